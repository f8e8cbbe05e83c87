"""Helpers of the log-tail tests: a real ClusterLink to an in-process SSH server
(tests/sshserver.py) for tests that need remote commands without the lab, as a context
manager and as fixtures (``served``, ``server``, ``link``: import them into the test module),
and a background consumer of a LogTail's batches."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sshserver import LocalSshServer

from hpctui.services.logtail import Batch, LogTail
from hpctui.ssh.backoff import Backoff
from hpctui.ssh.link import ClusterLink


@contextlib.asynccontextmanager
async def served_link(directory: Path) -> AsyncIterator[tuple[LocalSshServer, ClusterLink]]:
    server = LocalSshServer(directory)
    await server.start()
    link = ClusterLink(server.cluster(), backoff=Backoff(base=0.05, cap=0.2))
    try:
        await link.start()
        await link.wait_connected(10)
        yield server, link
    finally:
        await link.close()
        await server.stop()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[LocalSshServer, ClusterLink]]:
    async with served_link(tmp_path) as pair:
        yield pair


@pytest.fixture
def server(served: tuple[LocalSshServer, ClusterLink]) -> LocalSshServer:
    return served[0]


@pytest.fixture
def link(served: tuple[LocalSshServer, ClusterLink]) -> ClusterLink:
    return served[1]


@contextlib.asynccontextmanager
async def tailing(tail: LogTail, on_batch: Callable[[Batch], object] | None = None) -> AsyncIterator[list[Batch]]:
    """Consume the tail's batches in the background while the block runs; yields the batches
    seen so far (``on_batch`` sees each as it comes). Closes the tail at the end."""
    batches: list[Batch] = []

    async def consume() -> None:
        async for batch in tail.batches():
            batches.append(batch)
            if on_batch is not None:
                on_batch(batch)

    task = asyncio.create_task(consume())
    try:
        yield batches
    finally:
        await tail.close()
        await asyncio.wait_for(task, 10)
