"""TunnelManager's bookkeeping across reconnects, with a link double: what each kind of
failure to listen again does to a tunnel."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from hpctui.services.tunnels import Target, Tunnel, TunnelManager, TunnelState
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


class Link:
    """Listens when told to; ``failures`` are raised by the next listens, in order."""

    name = "alpha"

    def __init__(self) -> None:
        self.callbacks: list[Callable[[LinkStatus], None]] = []
        self.failures: list[Exception] = []
        self.listens: list[int] = []

    def subscribe(self, callback: Callable[[LinkStatus], None]) -> Callable[[], None]:
        self.callbacks.append(callback)
        return lambda: self.callbacks.remove(callback)

    def publish(self, state: LinkState) -> None:
        for callback in list(self.callbacks):
            callback(LinkStatus("alpha", state))

    async def forward_local_port(self, port: int, host: str, remote: int, accept: Any) -> Listener:
        self.listens.append(port)
        if self.failures:
            raise self.failures.pop(0)
        return Listener(port or 40000)


async def open_one(link: Link) -> tuple[TunnelManager, Tunnel]:
    manager = TunnelManager(link)  # type: ignore[arg-type]
    tunnel = Tunnel("alpha", Target("7", "a3", "10.0.0.3"), 6006, 6006)
    await manager._listen(tunnel)
    manager.tunnels.append(tunnel)
    return manager, tunnel


async def reconnect(link: Link) -> None:
    link.publish(LinkState.BACKING_OFF)
    link.publish(LinkState.CONNECTED)
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_dropped_connection_makes_the_tunnel_wait_and_a_reconnect_listens_on_the_same_port():
    link = Link()
    manager, tunnel = await open_one(link)
    link.publish(LinkState.BACKING_OFF)
    assert (tunnel.state, tunnel.listener) == (TunnelState.WAITING, None)
    link.publish(LinkState.CONNECTED)
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
