"""Allocation left, per cluster: asked at most once an hour (the answer is kept), for slurmdbd's
sake and because hours of use change slowly; see ``hpctui.slurm.allocation``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import date, datetime

from hpctui.config.model import Cluster
from hpctui.services.actions import Runner
from hpctui.slurm.allocation import AllocationReport, Period, Usage, allocation_command, allocation_report
from hpctui.slurm.errors import SlurmProblem
from hpctui.slurm.parse import split_poll
from hpctui.ssh.types import LinkError

EVERY_S = 3600.0


def period_of(cluster: Cluster, today: date) -> Period:
    """The configured period; by default the calendar year."""
    allocation = cluster.allocation
    start = date.fromisoformat(allocation.start) if allocation.start else date(today.year, 1, 1)
    end = date.fromisoformat(allocation.end) if allocation.end else start.replace(year=start.year + 1)
    return Period(start, end, today)


def configured_grant(cluster: Cluster) -> Usage | None:
    allocation = cluster.allocation
    if allocation.core_hours is None and allocation.gpu_hours is None:
        return None
    return Usage(allocation.core_hours or 0.0, allocation.gpu_hours or 0.0)


class AllocationWatch:
    """One cluster's report; ``get()`` asks the cluster only when the last answer is an hour old."""

    def __init__(
        self,
        link: Runner,
        cluster: Cluster,
        *,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.link = link
        self.cluster = cluster
        self.clock = clock
        self.now = now
        self.latest: AllocationReport | None = None
        self.asked_at: float | None = None
        self.failure: SlurmProblem | None = None
        self.queries = 0
        self._lock = asyncio.Lock()

    async def get(self) -> AllocationReport:
        """The report, from the cluster at most hourly. Raises LinkError (asked again next
        time) or SlurmProblem (kept for the hour: a site without sreport is not asked again)."""
        async with self._lock:
            if self.asked_at is not None and self.clock() - self.asked_at < EVERY_S:
                if self.failure is not None:
                    raise self.failure
                if self.latest is not None:
                    return self.latest
            self.asked_at = self.clock()
            try:
                self.latest, self.failure = await self._ask(), None
            except SlurmProblem as exc:
                self.failure = exc
                raise
            except LinkError:
                self.asked_at = None
                raise
            return self.latest

    async def _ask(self) -> AllocationReport:
        allocation, now = self.cluster.allocation, self.now()
        period = period_of(self.cluster, now.date())
        user = self.cluster.queue_user
        command = allocation_command(allocation.account, user, period.start, now, allocation.command)
        self.queries += 1
        result = await self.link.run(command)
        sections = split_poll(result.stdout)
        return allocation_report(self.cluster.name, sections, user, period, configured_grant(self.cluster))
