"""A remote process with binary stdin, stdout and stderr on a stream channel of a ClusterLink.

``ClusterLink.run`` collects text and ``ClusterLink.stream`` only reads stdout; piping a tar
stream from one cluster into another needs binary stdin on the receiving side and the exit
status and stderr of both. This opens the channel the way ``stream`` does (the stream budget,
the MaxSessions retry, loss detection), on the link's one connection. It lives outside
``link.py`` so that module's owner can fold it in as ``ClusterLink.process`` later.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncssh

from hpctui.ssh import link as _link
from hpctui.ssh.budget import Kind
from hpctui.ssh.types import CommandTimeout


@contextlib.asynccontextmanager
async def open_process(link: _link.ClusterLink, command: str) -> AsyncIterator[asyncssh.SSHClientProcess]:
    """The asyncssh process running ``command`` (bytes in, bytes out); leaving the block
    ends the process if it still runs and closes the channel. Raises ``LinkError`` when the
    link is down or drops while opening; I/O errors later are the caller's to handle."""
    link._live()
    async with link.budget.slot(Kind.STREAM):
        conn, client = link._live()
        seconds = link.cluster.ssh.command_timeout_s
        try:
            async with asyncio.timeout(seconds) as deadline:
                process = await link._open(conn, client, command, encoding=None)
        except TimeoutError:
            if not deadline.expired():
                raise
            raise CommandTimeout(f"{link.name}: {_link.command_name(command)}: no channel within {seconds:g} s") from None
        try:
            yield process
        finally:
            await _link._close(process)
