"""Purge warnings for the TUI: the purge check of one cluster, now and then.

The check is a ``find`` over the purge directories of a shared parallel file system, so it
runs rarely: once soon after the cluster connects (after a short delay, so the first polls
go first), then every ``RECHECK_S``; a failed check is tried again after ``RETRY_S``. Only
clusters with a purge policy (``purge: days`` and ``dirs``) are checked.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from hpctui.config.model import Cluster
from hpctui.ssh.types import LinkError, LinkState, LinkStatus, Result
from hpctui.subscribers import Subscribers
from hpctui.toolkit.purge import (
    PURGE_TIMEOUT_S,
    PurgeParseError,
    PurgeReport,
    parse_purge,
    purge_command,
    threshold_days,
)

RECHECK_S = 4 * 3600.0
RETRY_S = 15 * 60.0
START_DELAY_S = 10.0


class PurgeLink(Protocol):
    """What the watch needs of a ClusterLink."""

    @property
    def status(self) -> LinkStatus: ...

    def subscribe(self, callback: Callable[[LinkStatus], None]) -> Callable[[], None]: ...

    async def run(self, command: str, *, timeout: float | None = None) -> Result: ...


def has_purge_policy(cluster: Cluster) -> bool:
    return bool(cluster.purge.days and cluster.purge.dirs)


async def check_purge(link: PurgeLink, cluster: Cluster, margin_days: int | None = None) -> PurgeReport | str:
    """The cluster's purge report, or one line saying why there is none."""
    margin = cluster.purge.margin_days if margin_days is None else margin_days
    command = purge_command(cluster.purge.dirs, threshold_days(cluster.purge.days or 0, margin))
    try:
        result = await link.run(command, timeout=PURGE_TIMEOUT_S)
        return parse_purge(cluster, result.stdout, margin)
    except (LinkError, PurgeParseError) as exc:
        return str(exc)


@dataclass(frozen=True)
class PurgeOutcome:
    cluster: str
    report: PurgeReport | None  # None when the check failed
    error: str | None = None

    @property
    def badge(self) -> str | None:
        return self.report.badge if self.report is not None else None


class PurgeWatch:
    """Checks one cluster now and then; subscribers get every outcome (on the event loop)."""

    def __init__(self, link: PurgeLink, cluster: Cluster, *, delay_s: float = START_DELAY_S) -> None:
        self.link = link
        self.cluster = cluster
        self.delay_s = delay_s
        self.latest: PurgeOutcome | None = None
        self._subscribers: Subscribers[PurgeOutcome] = Subscribers(f"{cluster.name}: purge watch")
        self._up = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def subscribe(self, callback: Callable[[PurgeOutcome], None]) -> Callable[[], None]:
        return self._subscribers.add(callback)

    def start(self) -> None:
        if self._task is None:
            self._unsubscribe = self.link.subscribe(self._on_link)
            self._task = asyncio.create_task(self._run(), name=f"purge-watch-{self.cluster.name}")

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def _on_link(self, status: LinkStatus) -> None:
        if status.state is LinkState.CONNECTED:
            self._up.set()

    async def _connected(self) -> None:
        while self.link.status.state is not LinkState.CONNECTED:
            self._up.clear()
            await self._up.wait()

    async def _run(self) -> None:
        while True:
            await self._connected()
            await asyncio.sleep(self.delay_s)
            if self.link.status.state is not LinkState.CONNECTED:
                continue
            outcome = await self.check()
            await asyncio.sleep(RETRY_S if outcome.error else RECHECK_S)

    async def check(self) -> PurgeOutcome:
        """Check now and tell the subscribers (the loop's step)."""
        found = await check_purge(self.link, self.cluster)
        name = self.cluster.name
        outcome = PurgeOutcome(name, None, found) if isinstance(found, str) else PurgeOutcome(name, found)
        self.latest = outcome
        self._subscribers.publish(outcome)
        return outcome
