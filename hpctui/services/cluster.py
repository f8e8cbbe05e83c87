"""ClusterSession bundles everything of one cluster on its one connection; Workspace holds them all."""

from __future__ import annotations

import asyncio

from hpctui.config.model import Cluster, Config
from hpctui.services.actions import Actions
from hpctui.services.audit import AuditLog
from hpctui.services.jobinfo import JobDetails, fetch_job_details
from hpctui.services.poller import Poller
from hpctui.ssh.link import ClusterLink
from hpctui.ssh.types import Prompter


class ClusterSession:
    def __init__(self, cluster: Cluster, prompter: Prompter | None = None, audit: AuditLog | None = None) -> None:
        self.cluster = cluster
        self.name = cluster.name
        self.link = ClusterLink(cluster, prompter)
        self.poller = Poller(self.link, cluster)
        self.audit = audit or AuditLog()
        self.actions = Actions(self.link, cluster.name, self.audit, after=self.poller.refresh_now)

    async def start(self) -> None:
        await self.link.start()
        self.poller.start()

    async def close(self) -> None:
        await self.poller.stop()
        await self.link.close()

    async def job_details(self, job_id: str) -> JobDetails:
        return await fetch_job_details(self.link, job_id)


class Workspace:
    """One session per configured cluster, in config order."""

    def __init__(self, config: Config, prompter: Prompter | None = None, audit: AuditLog | None = None) -> None:
        self.config = config
        self.audit = audit or AuditLog()
        self.sessions = {c.name: ClusterSession(c, prompter, self.audit) for c in config.clusters}

    def session(self, name: str) -> ClusterSession:
        return self.sessions[name]

    async def start(self) -> None:
        await asyncio.gather(*(s.start() for s in self.sessions.values()))

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.sessions.values()), return_exceptions=True)
