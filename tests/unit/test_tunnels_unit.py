"""TunnelManager's bookkeeping across reconnects, with a link double: what each kind of
failure to listen again does to a tunnel."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from publisher import Publisher

from hpctui.services.tunnels import Target, Tunnel, TunnelManager, TunnelState
from hpctui.slurm.models import Job, Snapshot
from hpctui.ssh.link import PortUnavailable
from hpctui.ssh.types import LinkError, LinkState, LinkStatus


class Listener:
    def __init__(self, port: int) -> None:
        self.port, self.closed = port, False

    def get_port(self) -> int:
        return self.port

    def close(self) -> None:
        self.closed = True

    async def wait_closed(self) -> None:
        return None


class Link(Publisher):
    """Listens when told to; ``failures`` are raised by the next listens, in order."""

    name = "alpha"

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[Exception] = []
        self.listens: list[int] = []
        self.refused = ""  # what check_reachable says, when set

    def set(self, state: LinkState) -> None:
        self.publish(LinkStatus("alpha", state))

    async def forward_local_port(self, port: int, host: str, remote: int, accept: Any) -> Listener:
        self.listens.append(port)
        if self.failures:
            raise self.failures.pop(0)
        return Listener(port or 40000)

    async def check_reachable(self, host: str, port: int) -> None:
        if self.refused:
            raise LinkError(f"{host}:{port}: {self.refused}")


async def open_one(link: Link) -> tuple[TunnelManager, Tunnel]:
    manager = TunnelManager(link)  # type: ignore[arg-type]
    tunnel = Tunnel("alpha", Target("7", "a3", "10.0.0.3"), 6006, 6006)
    await manager._listen(tunnel)
    manager.tunnels.append(tunnel)
    return manager, tunnel


async def reconnect(link: Link) -> None:
    link.set(LinkState.BACKING_OFF)
    link.set(LinkState.CONNECTED)
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_dropped_connection_makes_the_tunnel_wait_and_a_reconnect_listens_on_the_same_port():
    link = Link()
    manager, tunnel = await open_one(link)
    link.set(LinkState.BACKING_OFF)
    assert (tunnel.state, tunnel.listener) == (TunnelState.WAITING, None)
    link.set(LinkState.CONNECTED)
    await asyncio.sleep(0.01)
    assert tunnel.state is TunnelState.OPEN and link.listens == [6006, 6006]


async def test_a_port_taken_meanwhile_breaks_the_tunnel_and_says_why():
    link = Link()
    _manager, tunnel = await open_one(link)
    link.failures = [PortUnavailable("alpha: cannot listen on 127.0.0.1:6006: Address already in use")]
    await reconnect(link)
    assert tunnel.state is TunnelState.BROKEN and "Address already in use" in tunnel.problem


async def test_a_connection_lost_again_while_listening_keeps_waiting_for_the_next_one():
    link = Link()
    _manager, tunnel = await open_one(link)
    link.failures = [LinkError("alpha: connection lost")]
    await reconnect(link)
    assert tunnel.state is TunnelState.WAITING
    await reconnect(link)
    assert tunnel.state is TunnelState.OPEN and link.listens == [6006, 6006, 6006]


async def test_close_all_stops_listening_and_following_the_link():
    link = Link()
    manager, tunnel = await open_one(link)
    listener = tunnel.listener
    await manager.close_all()
    assert listener is not None and listener.closed
    assert (manager.tunnels, link.callbacks, tunnel.state) == ([], [], TunnelState.CLOSED)


class Feed(Publisher):
    """The poller's ``subscribe`` (the feed is called): ``poll`` hands job states to the manager."""

    def __call__(self, callback: Callable[[Snapshot], None]) -> Callable[[], None]:
        return self.subscribe(callback)

    def poll(self, states: dict[str, str], at: float) -> None:
        self.publish(Snapshot("alpha", jobs=tuple(job(job_id, state) for job_id, state in states.items()), jobs_at=at))


def job(job_id: str, state: str) -> Job:
    return Job(
        job_id, None, None, "web", "me", "debug", state, "None", 0, 60, 1, "a3", 0, "", None, None, None, None, None
    )


async def open_followed(link: Link, feed: Feed) -> tuple[TunnelManager, Tunnel]:
    manager = TunnelManager(link, feed)  # type: ignore[arg-type]
    tunnel = Tunnel("alpha", Target("7", "a3", "10.0.0.3"), 6006, 6006, opened_at=100.0)
    await manager._listen(tunnel)
    manager.tunnels.append(tunnel)
    return manager, tunnel


async def test_a_tunnel_whose_job_leaves_running_stops_listening_and_says_the_job_ended():
    link, feed = Link(), Feed()
    manager, tunnel = await open_followed(link, feed)
    listener = tunnel.listener
    feed.poll({"7": "RUNNING"}, at=110.0)
    assert tunnel.state is TunnelState.OPEN
    feed.poll({"7": "CANCELLED"}, at=120.0)
    assert (tunnel.state, tunnel.problem, tunnel.listener) == (TunnelState.CLOSED, "job 7 ended (CANCELLED)", None)
    assert listener is not None and listener.closed
    assert manager.tunnels == [tunnel]  # listed until dismissed
    await manager.close(tunnel)
    assert manager.tunnels == []


async def test_a_job_gone_after_running_closes_its_tunnel_but_polls_from_before_the_tunnel_do_not():
    link, feed = Link(), Feed()
    _manager, tunnel = await open_followed(link, feed)
    feed.poll({}, at=90.0)  # before the tunnel opened
    feed.poll({"7": "PENDING"}, at=101.0)  # a poll that ran while it opened
    feed.poll({}, at=105.0)  # never seen running: maybe not this user's queue
    assert tunnel.state is TunnelState.OPEN
    feed.poll({"7": "RUNNING"}, at=110.0)
    feed.poll({}, at=120.0)
    assert (tunnel.state, tunnel.problem) == (TunnelState.CLOSED, "job 7 ended (gone from the queue)")


async def test_close_all_stops_following_the_poller():
    link, feed = Link(), Feed()
    manager, _tunnel = await open_followed(link, feed)
    await manager.close_all()
    assert feed.callbacks == []


async def test_a_failed_test_marks_the_tunnel_no_answer_and_a_good_one_open_again():
    link = Link()
    link.refused = "Connection refused"
    manager, tunnel = await open_one(link)
    server = await asyncio.start_server(lambda _r, w: w.close(), "127.0.0.1", 0)
    tunnel.local_port = server.sockets[0].getsockname()[1]  # the listener double does not listen
    async with server:
        assert not await manager.test(tunnel)
        assert (tunnel.state, tunnel.problem) == (TunnelState.NO_ANSWER, "10.0.0.3:6006: Connection refused")
        link.refused = ""
        assert await manager.test(tunnel)
    assert (tunnel.state, tunnel.problem) == (TunnelState.OPEN, "a3:6006 answers")
