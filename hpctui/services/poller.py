"""Poller: one polite poll loop per cluster, publishing immutable Snapshots.

Every squeue and sinfo is an RPC to a controller shared by thousands of users, so:
- one channel and one round trip per refresh (squeue and sinfo in one shell command);
- the queue every ``refresh.queue_s`` (default 15 s), nodes every ``refresh.gpus_s`` (60 s):
  squeue --local costs 2 RPCs and sinfo 2, so the default is 4*2 + 1*2 = 10 RPCs a minute;
- polls never overlap (one loop task), and a failing or slow controller stretches the
  interval (doubling, up to 8x) instead of being hit harder;
- ``refresh_now()`` is only for the user's explicit refresh and right after an action; one
  asked for during a poll runs right after it;
- one odd record costs only itself (it becomes a warning), and a failing sinfo costs only
  the nodes: the jobs of the same poll stay live and sinfo is tried again at the nodes'
  interval, not on every queue poll (and the reverse for a failing squeue).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace

from hpctui.config.model import Cluster
from hpctui.slurm.commands import poll_command
from hpctui.slurm.errors import SlurmError, SlurmParseError, SlurmProblem, check_section
from hpctui.slurm.models import PollSection, Snapshot
from hpctui.slurm.parse import SqueueParser, parse_sinfo, split_poll, summarise_partitions
from hpctui.ssh.link import ClusterLink
from hpctui.ssh.types import LinkError, LinkState, LinkStatus
from hpctui.subscribers import Subscribers

log = logging.getLogger(__name__)

MAX_STRETCH = 8  # a failing controller is polled at most 8x less often
SLOW_POLL_S = 5.0  # a poll slower than this counts as a sign of an overloaded controller


class Poller:
    """Polls one cluster; subscribers get every new Snapshot (plain callbacks, on the loop).

    Owns: one poll loop task on its session's link. Guarantees: polls never overlap; one round
    trip each (squeue, plus sinfo when due); a refresh asked for during a poll runs right after
    it; a failing, slow or rate-limited controller stretches the interval; a failed section
    (squeue or sinfo) keeps the other's data live. Started and stopped by its ``ClusterSession``.
    """

    def __init__(self, link: ClusterLink, cluster: Cluster, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._link = link
        self._cluster = cluster
        self._clock = clock
        self._partitions = tuple(p.name for p in cluster.partitions)
        self._squeue = SqueueParser(cluster.name)  # reuses the Jobs of unchanged rows
        self._subscribers: Subscribers[Snapshot] = Subscribers(f"{cluster.name}: poller")
        self._wake = asyncio.Event()
        self._want_nodes = True
        self._asked = 0  # explicit refreshes asked for so far
        self._busy = False  # the last poll found the controller overloaded or rate-limiting
        self._node_warnings: tuple[str, ...] = ()  # of the nodes on show
        self._next_queue = 0.0
        self._next_nodes = 0.0
        self._stretch = 1
        self._task: asyncio.Task[None] | None = None
        self.latest = Snapshot(cluster=cluster.name)
        self.polls = 0
        self._watched = True  # someone looks at this cluster (the CLI always does)

    @property
    def interval_s(self) -> float:
        return self._pace()[0] * self._stretch

    @property
    def watched(self) -> bool:
        return self._watched

    def set_watched(self, watched: bool) -> None:
        """Full rate while someone looks at this cluster, the idle pace otherwise; looking
        again polls at once (the data may be a minute old)."""
        if watched != self._watched:
            self._watched = watched
            if watched:
                self.refresh_now()

    def _pace(self) -> tuple[float, float]:
        """(queue, nodes) intervals: the configured ones, or the idle pace when nobody looks."""
        refresh = self._cluster.refresh
        if self._watched:
            return refresh.queue_s, refresh.gpus_s
        return max(refresh.queue_s, refresh.idle_queue_s), max(refresh.gpus_s, refresh.idle_gpus_s)

    def subscribe(self, callback: Callable[[Snapshot], None]) -> Callable[[], None]:
        return self._subscribers.add(callback)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"poller-{self._cluster.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def refresh_now(self, nodes: bool = False) -> None:
        """Poll as soon as the current poll (if any) ends; ``nodes`` adds sinfo to it."""
        self._want_nodes = self._want_nodes or nodes
        self._asked += 1
        self._next_queue = 0.0
        self._wake.set()

    async def poll_once(self) -> Snapshot:
        """Run one poll now (the loop's step; also used by the headless `status`)."""
        asked = self._asked
        started = self._clock()
        with_nodes = self._want_nodes or started >= self._next_nodes
        self._want_nodes = False  # a refresh_now(nodes=True) during the poll asks again
        snapshot, reached = await self._fetch(with_nodes)
        took = self._clock() - started
        self._schedule(snapshot, with_nodes, reached, took)
        if self._asked != asked:  # asked for while this poll ran: it may predate the change
            self._next_queue = 0.0
        self.latest = snapshot
        self.polls += 1
        self._subscribers.publish(snapshot)
        return snapshot

    async def _run(self) -> None:
        unsubscribe = self._link.subscribe(self._on_link)
        try:
            while True:
                await self._sleep(self._next_queue - self._clock())
                if self._link.status.state is LinkState.CONNECTED:
                    await self.poll_once()
                else:  # _on_link wakes us when it is back
                    self._publish_error(self._link_reason())
                    await self._sleep(self._cluster.refresh.queue_s)
        finally:
            unsubscribe()

    def _on_link(self, status: LinkStatus) -> None:
        """Poll at once (nodes too) when the link comes (back) up: the data may be stale."""
        if status.state is LinkState.CONNECTED:
            self.refresh_now(nodes=True)

    async def _sleep(self, delay: float) -> None:
        """Sleep ``delay`` seconds, or less when refresh_now() or the link wakes us."""
        if delay <= 0:
            return
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=delay)
        except TimeoutError:
            pass

    def _link_reason(self) -> str:
        status = self._link.status
        detail = f": {status.detail}" if status.detail else ""
        return f"{status.state.value}{detail}"

    async def _fetch(self, with_nodes: bool) -> tuple[Snapshot, bool]:
        """The new snapshot, and whether the poll's output came back at all."""
        command = poll_command(self._cluster.queue_user, self._partitions, with_nodes=with_nodes)
        self._busy = False
        try:
            result = await self._link.run(command)
            sections = split_poll(result.stdout)
        except (LinkError, SlurmProblem) as exc:
            self._busy = _is_busy(exc)
            return replace(self.latest, error=str(exc)), False
        # Parsing 10k+ jobs takes a while: off the event loop, so the UI never stalls.
        return await asyncio.to_thread(self._snapshot, sections, with_nodes), True

    def _snapshot(self, sections: dict[str, PollSection], with_nodes: bool) -> Snapshot:
        """Jobs and nodes each from their own section: one failing leaves the other live."""
        now = time.time()
        snapshot, error = self.latest, None
        job_warnings: list[str] = []
        try:
            jobs = self._squeue.parse(_section(sections, "squeue").stdout, job_warnings)
            snapshot = replace(snapshot, jobs=tuple(jobs), jobs_at=now)
        except SlurmProblem as exc:
            error = f"squeue: {exc}"
            self._busy = _is_busy(exc)
        if with_nodes:
            snapshot = self._with_nodes(snapshot, sections, now)
        return replace(snapshot, error=error, warnings=(*job_warnings, *self._node_warnings))

    def _with_nodes(self, snapshot: Snapshot, sections: dict[str, PollSection], now: float) -> Snapshot:
        """The nodes of the sinfo section; when it failed, the last ones and a warning."""
        warnings: list[str] = []
        try:
            nodes = tuple(parse_sinfo(_section(sections, "sinfo").stdout, warnings))
        except SlurmProblem as exc:
            self._busy = self._busy or _is_busy(exc)
            self._node_warnings = (f"sinfo: {exc}",)
            return snapshot
        self._node_warnings = tuple(warnings)
        return replace(snapshot, nodes=nodes, partitions=summarise_partitions(nodes), nodes_at=now)

    def _schedule(self, snapshot: Snapshot, with_nodes: bool, reached: bool, took: float) -> None:
        failed = snapshot.error is not None or self._busy
        self._stretch = min(self._stretch * 2, MAX_STRETCH) if failed or took > SLOW_POLL_S else 1
        now = self._clock()
        queue_s, gpus_s = self._pace()
        # Nodes ride along with a queue poll: never a separate round trip just for sinfo.
        self._next_queue = now + min(queue_s, gpus_s) * self._stretch
        if with_nodes and reached:  # sinfo answered (data or error): again at the nodes' pace
            self._next_nodes = now + gpus_s * self._stretch
        elif with_nodes:  # the poll never came back: nodes with the next one
            self._next_nodes = self._next_queue

    def _publish_error(self, reason: str) -> None:
        if self.latest.error == reason:
            return
        self.latest = replace(self.latest, error=reason)
        self._subscribers.publish(self.latest)


def _is_busy(problem: Exception) -> bool:
    """Slurm said it is overloaded, unreachable or rate-limiting us: poll it less often."""
    return isinstance(problem, SlurmError) and problem.busy


def _section(sections: dict[str, PollSection], name: str) -> PollSection:
    """The checked output of one command of the poll (its errors raised as SlurmError)."""
    if name not in sections:
        raise SlurmParseError(f"poll output has no {name} section (cut short?)")
    check_section(sections[name])
    return sections[name]
