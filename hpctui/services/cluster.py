"""ClusterSession bundles everything of one cluster on its one connection; Workspace holds them all.

Lifetimes have one owner each: a ``Workspace`` starts and closes its sessions; a session starts
and closes its link, poller and purge watch. Whoever creates the Workspace (the TUI's entry point,
a CLI command) is its only owner: ``async with Workspace(...)``; the UI receives it started.
"""

from __future__ import annotations

import asyncio
from types import TracebackType

from hpctui.config.model import Cluster, Config
from hpctui.services.actions import Actions
from hpctui.services.audit import AuditLog
from hpctui.services.endings import Endings
from hpctui.services.jobinfo import JobDetails, fetch_job_details
from hpctui.services.poller import Poller
from hpctui.services.purge_watch import PurgeWatch, has_purge_policy
from hpctui.services.tunnels import TunnelManager
from hpctui.ssh.link import ClusterLink
from hpctui.ssh.types import Prompter


class ClusterSession:
    """One cluster: its ONE link, the poller on it, the actions and (with a purge policy) the
    purge watch. ``start`` begins connecting and polling and returns at once; ``close`` stops
    everything and closes the connection."""

    def __init__(self, cluster: Cluster, prompter: Prompter | None = None, audit: AuditLog | None = None) -> None:
        self.cluster = cluster
        self.name = cluster.name
        self.link = ClusterLink(cluster, prompter)
        self.poller = Poller(self.link, cluster)
        self.audit = audit or AuditLog()
        self.actions = Actions(self.link, cluster.name, self.audit, after=self.poller.refresh_now)
        self.purge_watch = PurgeWatch(self.link, cluster) if has_purge_policy(cluster) else None
        self.tunnels = TunnelManager(self.link, self.poller.subscribe)
        self.endings = Endings(self.link, cluster.name, cluster.queue_user)

    async def start(self, *, purge: bool = True) -> None:
        """Begin connecting and polling; ``purge``: watch for purge warnings too (the TUI)."""
        await self.link.start()
        self.poller.start()
        if purge and self.purge_watch is not None:
            self.purge_watch.start()

    async def close(self) -> None:
        if self.purge_watch is not None:
            await self.purge_watch.stop()
        await self.poller.stop()
        await self.tunnels.close_all()
        await self.link.close()

    async def job_details(self, job_id: str) -> JobDetails:
        return await fetch_job_details(self.link, job_id)


class Workspace:
    """One session per configured cluster, in config order; an async context manager that
    starts them all on entry and closes them all on exit."""

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

    async def __aenter__(self) -> Workspace:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.close()
