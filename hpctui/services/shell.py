"""A shell inside a running job, or in a new allocation, over the cluster's ONE connection.

The remote side is an asyncssh process on a pseudo-terminal (``srun --pty``); the local side
is the user's terminal in raw mode, its bytes pumped both ways until the shell ends, its
window-size changes (SIGWINCH) forwarded. No second login, so no second one-time code. The TUI
suspends itself around ``run_in_terminal`` (``App.suspend()``); the CLI calls it directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import termios
import tty
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import asyncssh

from hpctui.errors import UserError
from hpctui.services.jobnode import running_node
from hpctui.slurm.interactive import job_shell_command
from hpctui.ssh.types import LinkError

if TYPE_CHECKING:
    from hpctui.ssh.link import ClusterLink

CHUNK = 65536
DEFAULT_SIZE = (80, 24)
GRANTED = b"salloc: Granted job allocation"  # salloc's line once the allocation is there
KILLED = -1  # asyncssh's exit status of a process ended by a signal


class LocalTerminal:
    """The user's terminal: where keys come from and output goes (a pty pair in tests)."""

    def __init__(self, input_fd: int = 0, output_fd: int = 1, term_type: str | None = None) -> None:
        self.input_fd = input_fd
        self.output_fd = output_fd
        self.term_type = term_type or os.environ.get("TERM") or "xterm-256color"

    def size(self) -> tuple[int, int]:
        """(columns, rows), as the remote pty should have them."""
        try:
            size = os.get_terminal_size(self.output_fd)
        except OSError:
            return DEFAULT_SIZE
        return (size.columns, size.lines)

    @contextlib.contextmanager
    def raw(self) -> Iterator[None]:
        """Every key goes to the remote shell as typed (Ctrl-C too); restored on leaving."""
        if not os.isatty(self.input_fd):
            yield
            return
        saved = termios.tcgetattr(self.input_fd)
        tty.setraw(self.input_fd)
        try:
            yield
        finally:
            termios.tcsetattr(self.input_fd, termios.TCSADRAIN, saved)

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.output_fd, view) :]


async def job_shell(link: ClusterLink, job_id: str, terminal: LocalTerminal) -> int:
    """A shell in a running job (UserError, before anything runs, when it is not running)."""
    await running_node(link, job_id)
    return await run_in_terminal(link, job_shell_command(job_id), terminal)


async def allocation_shell(link: ClusterLink, command: str, terminal: LocalTerminal) -> int:
    """A shell in a new allocation (``command`` is a ``salloc``). When salloc ends without
    having printed that the allocation was granted (Ctrl-C while pending, or a refusal), a
    UserError says so: its bare exit status (-1 for Ctrl-C) would tell the user nothing."""
    granted = _Marker(GRANTED)
    status = await run_in_terminal(link, command, terminal, granted.feed)
    if status == 0 or granted.seen:
        return status
    if status == KILLED:
        raise UserError("salloc cancelled before the allocation was granted", exit_code=1)
    raise UserError(f"salloc ended before the allocation was granted (exit status {status})", exit_code=1)


async def run_in_terminal(
    link: ClusterLink, command: str, terminal: LocalTerminal, on_output: Callable[[bytes], None] | None = None
) -> int:
    """Run ``command`` on a remote pty wired to ``terminal`` until it ends; its exit status.
    ``on_output`` sees every chunk the remote side writes."""
    async with link.terminal(command, terminal.term_type, terminal.size()) as process:
        with terminal.raw(), _keys_to(process, terminal), _resizes_to(process, terminal):
            while data := await _read(link, process):
                terminal.write(data)
                if on_output is not None:
                    on_output(data)
        await process.wait_closed()
        status = process.exit_status
    if status is None:  # no exit status: the connection went away under the shell
        raise LinkError(f"{link.name}: the connection closed before the shell ended")
    return status


class _Marker:
    """Whether ``marker`` went by in output read in chunks (it may span two of them)."""

    def __init__(self, marker: bytes) -> None:
        self.marker = marker
        self.seen = False
        self._tail = b""

    def feed(self, data: bytes) -> None:
        if self.seen:
            return
        window = self._tail + data
        self.seen = self.marker in window
        self._tail = window[-len(self.marker) :]


async def _read(link: ClusterLink, process: asyncssh.SSHClientProcess[Any]) -> bytes:
    try:
        return bytes(await process.stdout.read(CHUNK))
    except (OSError, asyncssh.Error) as exc:
        raise LinkError(f"{link.name}: the shell's channel failed: {exc}") from exc


@contextlib.contextmanager
def _keys_to(process: asyncssh.SSHClientProcess[Any], terminal: LocalTerminal) -> Iterator[None]:
    """Pump what the user types to the remote stdin (EOF when the local input ends)."""
    loop = asyncio.get_running_loop()
    fd = terminal.input_fd

    def readable() -> None:
        try:
            data = os.read(fd, CHUNK)
        except OSError:
            data = b""
        if data:
            process.stdin.write(data)
        else:
            loop.remove_reader(fd)
            with contextlib.suppress(OSError):
                process.stdin.write_eof()

    loop.add_reader(fd, readable)
    try:
        yield
    finally:
        loop.remove_reader(fd)


@contextlib.contextmanager
def _resizes_to(process: asyncssh.SSHClientProcess[Any], terminal: LocalTerminal) -> Iterator[None]:
    """Tell the remote pty when the local window changes size."""
    loop = asyncio.get_running_loop()

    def resized() -> None:
        with contextlib.suppress(OSError):
            process.change_terminal_size(*terminal.size())

    loop.add_signal_handler(signal.SIGWINCH, resized)
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGWINCH)
