"""How many channels a link may have open at once on its one connection.

OpenSSH refuses the 11th session on a connection (``MaxSessions 10``). The budget keeps the
link below that: short commands (``run``) get up to ``runs`` channels, long-lived streams up
to ``streams``, and both together at most ``total``. Waiters are served first come, first
served, but a waiting ``run`` always goes before a waiting stream, so a screen full of log
tails can never starve the poller.

With the defaults (``ssh.channels`` 8, ``ssh.stream_channels`` 5, 9 in all) five open tails
still leave four channels for commands, and eight busy commands leave one for a tail. The
total stays one below OpenSSH's default ``MaxSessions 10``; a server configured lower refuses
channels, and the link then waits and retries on the same connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from collections import deque
from collections.abc import AsyncIterator

DEFAULT_TOTAL = 9  # one below OpenSSH's default MaxSessions: a spare for the server's own needs


class Kind(enum.Enum):
    RUN = "run"
    STREAM = "stream"


class ChannelBudget:
    def __init__(self, runs: int, streams: int, total: int = DEFAULT_TOTAL) -> None:
        if min(runs, streams, total) < 1:
            raise ValueError("channel budgets must be at least 1")
        self.caps = {Kind.RUN: min(runs, total), Kind.STREAM: min(streams, total)}
        self.total = total
        self.used = {Kind.RUN: 0, Kind.STREAM: 0}
        self._waiters: dict[Kind, deque[asyncio.Future[None]]] = {Kind.RUN: deque(), Kind.STREAM: deque()}

    def waiting(self, kind: Kind) -> int:
        return sum(1 for future in self._waiters[kind] if not future.done())

    @contextlib.asynccontextmanager
    async def slot(self, kind: Kind) -> AsyncIterator[None]:
        """Hold one channel of ``kind`` for the duration of the block."""
        await self._acquire(kind)
        try:
            yield
        finally:
            self._release(kind)

    async def _acquire(self, kind: Kind) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[kind].append(future)
        self._dispatch()
        try:
            await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release(kind)  # granted just as we were cancelled: give it back
            elif future in self._waiters[kind]:  # a dispatch may have dropped it already
                self._waiters[kind].remove(future)
            raise

    def _release(self, kind: Kind) -> None:
        self.used[kind] -= 1
        self._dispatch()

    def _free(self, kind: Kind) -> bool:
        return self.used[kind] < self.caps[kind] and sum(self.used.values()) < self.total

    def _dispatch(self) -> None:
        """Grant free channels to waiters: every run that fits first, then streams."""
        for kind in (Kind.RUN, Kind.STREAM):
            queue = self._waiters[kind]
            while queue and self._free(kind):
                future = queue.popleft()
                if not future.done():
                    self.used[kind] += 1
                    future.set_result(None)
