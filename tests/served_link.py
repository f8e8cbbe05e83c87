"""A real ClusterLink to an in-process SSH server (hpctui.ssh.testserver), for tests that need
remote commands without the lab: the log tail, the checkpoint reader, the log screen."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from hpctui.ssh.backoff import Backoff
from hpctui.ssh.link import ClusterLink
from hpctui.ssh.testserver import LocalSshServer


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
