"""Tunnels: a local port carried to a port of a running job's node over the cluster's ONE
connection (TensorBoard, Jupyter, a debugger).

Each tunnel is an asyncssh local port forward on 127.0.0.1; every TCP connection a browser
opens through it is one direct-tcpip channel on the same connection (not limited by
MaxSessions, which counts sessions only). A ``TunnelManager`` per ``ClusterSession`` owns
them all and closes them when the session closes.

Reconnects: the listener dies with the connection (asyncssh closes it). The manager marks the
tunnel WAITING and, once the link is connected again, listens on the SAME local port, so a
bookmarked URL keeps working; if something else took the port meanwhile the tunnel is BROKEN
and says so (the user closes it and opens another).

Jobs end: the manager follows the session's poller and, when a poll taken after a tunnel
opened shows its job out of RUNNING (or gone after it was seen running), stops listening
(the local port is free again) and marks the tunnel CLOSED "job N ended (STATE)"; it stays
listed until the user dismisses it. A failed test marks the tunnel NO_ANSWER with the reason
(it keeps listening: the job's server may just be starting); a good test makes it OPEN again.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from hpctui.errors import UserError
from hpctui.services.jobnode import node_addr, running_node
from hpctui.slurm.commands import validate_job_id
from hpctui.ssh.link import PortUnavailable
from hpctui.ssh.types import LinkError, LinkState, LinkStatus
from hpctui.subscribers import Subscribers

if TYPE_CHECKING:
    import asyncssh

    from hpctui.slurm.models import Snapshot
    from hpctui.ssh.link import ClusterLink

    SnapshotFeed = Callable[[Callable[[Snapshot], None]], Callable[[], None]]

log = logging.getLogger(__name__)


class TunnelState(enum.Enum):
    OPEN = "open"
    NO_ANSWER = "no answer"  # listening, but the last test found nothing at the job's port
    WAITING = "waiting for the connection"
    BROKEN = "broken"
    CLOSED = "closed"


LISTENING = (TunnelState.OPEN, TunnelState.NO_ANSWER)
BEFORE_RUNNING = ("PENDING", "CONFIGURING")  # a job's states on its way to RUNNING


@dataclass(frozen=True)
class Target:
    """Where a job's tunnel goes: its first node and the address the login node reaches it at."""

    job_id: str
    node: str
    address: str


@dataclass(eq=False)
class Tunnel:
    cluster: str
    target: Target
    remote_port: int
    local_port: int
    state: TunnelState = TunnelState.OPEN
    problem: str = ""  # why BROKEN, NO_ANSWER or CLOSED, or what the last test found
    connections: int = 0  # TCP connections carried so far
    opened_at: float = field(default_factory=time.time)  # polls older than this say nothing of it
    seen_running: bool = False  # a poll since it opened listed its job RUNNING
    listener: asyncssh.SSHListener | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.local_port}/"

    @property
    def destination(self) -> str:
        return f"{self.target.node}:{self.remote_port}"

    def count_connection(self, _host: str, _port: int) -> bool:
        """asyncssh's accept handler: every connection is let through, and counted."""
        self.connections += 1
        return True


def check_port(port: int, what: str, *, allow_zero: bool = False) -> int:
    low = 0 if allow_zero else 1
    if isinstance(port, bool) or not isinstance(port, int) or not low <= port <= 65535:
        raise UserError(f"{what} must be a port number from {low} to 65535, not {port!r}")
    return port


class TunnelManager:
    """The tunnels of one cluster's link. ``open`` finds the job's node and listens;
    ``test`` connects through a tunnel; ``close``/``close_all`` free the local ports.
    ``subscribe`` tells a view whenever a tunnel changes. With ``snapshots`` (the poller's
    ``subscribe``) the tunnels of jobs that end close by themselves."""

    def __init__(self, link: ClusterLink, snapshots: SnapshotFeed | None = None) -> None:
        self.link = link
        self.tunnels: list[Tunnel] = []
        self._subscribers: Subscribers[TunnelManager] = Subscribers(f"{link.name}: tunnels")
        self._tasks: set[asyncio.Task[None]] = set()
        self._relisten = asyncio.Lock()  # one pass at a time, even across quick reconnects
        self._unsubscribe_link = link.subscribe(self._link_changed)
        self._unsubscribe_jobs = snapshots(self._jobs_polled) if snapshots is not None else _nothing

    def subscribe(self, callback: Callable[[TunnelManager], None]) -> Callable[[], None]:
        """Call ``callback`` with this manager whenever one of its tunnels changes."""
        return self._subscribers.add(callback)

    def _changed(self) -> None:
        self._subscribers.publish(self)

    # ---- opening ------------------------------------------------------------------------

    async def find_target(self, job_id: str) -> Target:
        """The running job's first node and its address (2 RPCs); UserError when not running."""
        job_id = validate_job_id(job_id, single=True)
        node = await running_node(self.link, job_id)
        return Target(job_id, node, await node_addr(self.link, node))

    async def open(self, job_id: str, remote_port: int, local_port: int | None = None) -> Tunnel:
        """Forward a local port to ``remote_port`` on the job's node. Without ``local_port``
        the same number as the remote port when it is free, else any free one."""
        check_port(remote_port, "the job's port")
        if local_port is not None:
            check_port(local_port, "the local port", allow_zero=True)
        target = await self.find_target(job_id)
        tunnel = Tunnel(self.link.name, target, remote_port, remote_port if local_port is None else local_port)
        try:
            await self._listen(tunnel)
        except PortUnavailable:
            if local_port is not None:
                raise
            tunnel.local_port = 0  # the job's own port number is taken here: any free one
            await self._listen(tunnel)
        self.tunnels.append(tunnel)
        log.info("%s: tunnel %s -> %s (%s)", self.link.name, tunnel.url, tunnel.destination, target.address)
        self._changed()
        return tunnel

    async def _listen(self, tunnel: Tunnel) -> None:
        target = tunnel.target
        listener = await self.link.forward_local_port(
            tunnel.local_port, target.address, tunnel.remote_port, tunnel.count_connection
        )
        tunnel.listener, tunnel.local_port = listener, listener.get_port()
        tunnel.state, tunnel.problem = TunnelState.OPEN, ""

    # ---- testing and closing ------------------------------------------------------------

    async def test(self, tunnel: Tunnel) -> bool:
        """Connect to the local port (the listener is there), then from the login node to the
        job's port (something answers there); the finding goes to ``tunnel.problem``."""
        if tunnel.state not in LISTENING:
            tunnel.problem = tunnel.problem or tunnel.state.value
            self._changed()
            return False
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", tunnel.local_port)
            writer.close()
            await self.link.check_reachable(tunnel.target.address, tunnel.remote_port)
        except (OSError, LinkError) as exc:
            found, ok = (TunnelState.NO_ANSWER, str(exc)), False
        else:
            found, ok = (TunnelState.OPEN, f"{tunnel.destination} answers"), True
        if tunnel.state in LISTENING:  # not closed or dropped while the test ran
            tunnel.state, tunnel.problem = found
        self._changed()
        return ok

    async def close(self, tunnel: Tunnel) -> None:
        """Stop listening (the local port is free when this returns) and forget the tunnel."""
        await _stop(tunnel)
        tunnel.state = TunnelState.CLOSED
        if tunnel in self.tunnels:
            self.tunnels.remove(tunnel)
        self._changed()

    async def close_all(self) -> None:
        """Close every tunnel and stop following the link (the session's ``close`` calls it)."""
        self._unsubscribe_link()
        self._unsubscribe_jobs()
        for task in list(self._tasks):
            task.cancel()
        for tunnel in list(self.tunnels):
            await self.close(tunnel)

    # ---- jobs that end ------------------------------------------------------------------

    def _jobs_polled(self, snapshot: Snapshot) -> None:
        """Close the tunnels whose job this poll shows ended, or out of RUNNING or gone after
        an earlier poll listed it running. Polls from before a tunnel opened are ignored, and a
        PENDING of a poll that ran while it opened (it may predate the job's start)."""
        polled_at = snapshot.jobs_at
        tunnels = [t for t in self.tunnels if t.state is not TunnelState.CLOSED]
        if polled_at is None or not tunnels:
            return
        states = {key: job.state for job in snapshot.jobs for key in (job.job_id, job.unique_id) if key}
        ended = False
        for tunnel in [t for t in tunnels if polled_at > t.opened_at]:
            state = states.get(tunnel.target.job_id)
            if state == "RUNNING":
                tunnel.seen_running = True
            elif tunnel.seen_running or (state is not None and state not in BEFORE_RUNNING):
                self._job_ended(tunnel, state or "gone from the queue")
                ended = True
        if ended:
            self._changed()

    def _job_ended(self, tunnel: Tunnel, state: str) -> None:
        listener, tunnel.listener = tunnel.listener, None
        if listener is not None:
            listener.close()  # stops listening now: the local port is free
        tunnel.state, tunnel.problem = TunnelState.CLOSED, f"job {tunnel.target.job_id} ended ({state})"
        log.info("%s: tunnel %s closed: %s", self.link.name, tunnel.url, tunnel.problem)

    # ---- reconnects ---------------------------------------------------------------------

    def _link_changed(self, status: LinkStatus) -> None:
        if status.state is LinkState.CONNECTED:
            if any(t.state is TunnelState.WAITING for t in self.tunnels):
                task = asyncio.get_running_loop().create_task(self._listen_again())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return
        lost = [t for t in self.tunnels if t.state in LISTENING]
        for tunnel in lost:  # asyncssh closed the listener with the connection
            tunnel.state, tunnel.listener, tunnel.problem = TunnelState.WAITING, None, ""
        if lost:
            self._changed()

    async def _listen_again(self) -> None:
        """After a reconnect: the same local port again, or BROKEN when it is taken (a tunnel
        whose connection dropped again meanwhile stays WAITING for the next one)."""
        async with self._relisten:
            for tunnel in [t for t in self.tunnels if t.state is TunnelState.WAITING]:
                try:
                    await self._listen(tunnel)
                except PortUnavailable as exc:
                    tunnel.state, tunnel.problem = TunnelState.BROKEN, str(exc)
                    log.warning("%s: tunnel %s broken: %s", self.link.name, tunnel.url, exc)
                except LinkError:
                    pass
            self._changed()


def _nothing() -> None:
    """The unsubscribe of a manager that follows no poller."""


async def _stop(tunnel: Tunnel) -> None:
    listener, tunnel.listener = tunnel.listener, None
    if listener is not None:
        listener.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(5):
                await listener.wait_closed()
