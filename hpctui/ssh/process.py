"""``open_process``: kept for callers written before ``ClusterLink.process`` existed.

Use ``link.process(command)``; this module goes once ``hpctui.cmd.transfer`` uses that.
"""

from __future__ import annotations

import contextlib

import asyncssh

from hpctui.ssh.link import ClusterLink


def open_process(link: ClusterLink, command: str) -> contextlib.AbstractAsyncContextManager[asyncssh.SSHClientProcess]:
    return link.process(command)
