"""A shell in a running lab job over hpctui's one connection: the remote pty, the local
terminal (a pty pair standing in for the user's) in raw mode, keys and output pumped."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pty
import re
import signal
import termios
import time

import pytest
from test_link_connections import ssh_port
from tunnel_helpers import wait_running

from hpctui.errors import UserError
from hpctui.services.shell import LocalTerminal, allocation_shell, job_shell
from hpctui.slurm.interactive import salloc_command
from hpctui.ssh.link import ClusterLink
from hpctui.ssh.netstat import server_connections
from hpctui.ssh.types import LinkError

pytestmark = pytest.mark.lab


@pytest.fixture
async def link(lab):
    opened = ClusterLink(lab.config.cluster("alpha"))
    await opened.start()
    await opened.wait_connected(30)
    yield opened
    await opened.close()


@pytest.fixture
def running_job(lab):
    job_id = lab.ssh("alpha", "sbatch --parsable -p cpu -t 5 -o /dev/null --wrap 'sleep 300'").stdout.strip()
    wait_running(lab, "alpha", job_id)
    yield job_id
    lab.ssh("alpha", f"scancel {job_id}")


@contextlib.contextmanager
def terminal_pair():
    """(what the user types into, the terminal hpctui gets, everything the terminal showed)."""
    master, slave = pty.openpty()
    shown = bytearray()
    loop = asyncio.get_running_loop()

    def readable() -> None:
        with contextlib.suppress(OSError):
            shown.extend(os.read(master, 65536))

    loop.add_reader(master, readable)
    try:
        yield master, LocalTerminal(slave, slave, "xterm"), shown
    finally:
        loop.remove_reader(master)
        os.set_blocking(master, False)
        with contextlib.suppress(OSError):  # what the shell wrote last, not read yet
            while data := os.read(master, 65536):
                shown.extend(data)
        os.close(master)
        os.close(slave)


async def type_at_prompt(keyboard: int, shown: bytearray, keys: bytes, after: bytes = b"") -> None:
    """Type ``keys`` once the remote shell shows its prompt (after ``after``): srun --pty
    flushes what was typed before its terminal was ready, as it does for a person."""
    deadline = time.monotonic() + 60
    while not shown.rstrip().endswith(b"$") or after not in shown:
        assert time.monotonic() < deadline, f"no prompt: {bytes(shown)!r}"
        await asyncio.sleep(0.05)
    os.write(keyboard, keys)


async def shell_session(work, keyboard: int, shown: bytearray, keys: bytes, after: bytes = b"") -> int:
    task = asyncio.create_task(work)
    try:
        async with asyncio.timeout(90):
            await type_at_prompt(keyboard, shown, keys, after)
            return await task
    finally:
        task.cancel()


async def test_a_shell_in_the_job_runs_typed_commands_in_it(lab, link, running_job):
    with terminal_pair() as (keyboard, terminal, shown):
        cooked = termios.tcgetattr(terminal.input_fd)
        keys = b"echo JOB=$SLURM_JOB_ID NODE=$SLURMD_NODENAME; exit 3\r"
        status = await shell_session(job_shell(link, running_job, terminal), keyboard, shown, keys)
        assert termios.tcgetattr(terminal.input_fd) == cooked  # raw mode undone
    assert f"JOB={running_job} NODE=a3" in shown.decode(errors="replace")
    assert status == 3
    assert server_connections(ssh_port(lab, "alpha"), os.getpid()) == 1


async def test_a_connection_lost_under_the_shell_is_an_error_and_the_terminal_is_restored(lab, link, running_job):
    with terminal_pair() as (keyboard, terminal, shown):
        cooked = termios.tcgetattr(terminal.input_fd)
        task = asyncio.create_task(job_shell(link, running_job, terminal))
        async with asyncio.timeout(90):
            await type_at_prompt(keyboard, shown, b"")
            await link.reconnect()
            with pytest.raises(LinkError, match="alpha: the connection closed before the shell ended"):
                await task
        assert termios.tcgetattr(terminal.input_fd) == cooked


async def test_the_window_size_reaches_the_remote_pty_and_follows_a_resize(lab, link, running_job):
    with terminal_pair() as (keyboard, terminal, shown):
        termios.tcsetwinsize(terminal.output_fd, (30, 100))
        task = asyncio.create_task(job_shell(link, running_job, terminal))
        async with asyncio.timeout(90):
            await type_at_prompt(keyboard, shown, b"stty size\r")
            await type_at_prompt(keyboard, shown, b"", after=b"30 100")
            termios.tcsetwinsize(terminal.output_fd, (40, 132))
            os.kill(os.getpid(), signal.SIGWINCH)
            # The window-change request travels beside the typed keys: ask until it has arrived.
            while b"40 132" not in shown:
                lines = shown.count(b"\n")
                await type_at_prompt(keyboard, shown, b"stty size\r")
                while shown.count(b"\n") < lines + 2:  # the echoed command and its answer
                    await asyncio.sleep(0.05)
            await type_at_prompt(keyboard, shown, b"exit\r")
            await task
    assert "40 132" in shown.decode(errors="replace")


async def test_salloc_gives_a_shell_on_a_compute_node_and_ends_the_allocation(lab, link):
    with terminal_pair() as (keyboard, terminal, shown):
        keys = b"echo ALLOC=$SLURM_JOB_ID NODE=$SLURMD_NODENAME; exit\r"
        work = allocation_shell(link, salloc_command("cpu", "5"), terminal)
        status = await shell_session(work, keyboard, shown, keys, after=b"Granted job allocation")
    text = shown.decode(errors="replace")
    assert status == 0
    assert "NODE=a3" in text and "Relinquishing job allocation" in text


async def test_a_pending_salloc_cancelled_with_ctrl_c_says_so_not_an_exit_status(lab, link):
    held = salloc_command("cpu", "5").replace("salloc ", "salloc --hold ", 1)  # pending until released
    with terminal_pair() as (keyboard, terminal, shown):
        task = asyncio.create_task(allocation_shell(link, held, terminal))
        async with asyncio.timeout(90):
            while b"queued and waiting for resources" not in shown:
                await asyncio.sleep(0.05)
            os.write(keyboard, b"\x03")
            with pytest.raises(UserError, match="^salloc cancelled before the allocation was granted$"):
                await task
    # Slurm prints "has been revoked" or, under load, only "Job aborted": either way the job is gone.
    job_id = re.search(rb"Pending job allocation (\d+)", shown).group(1).decode()
    left = lab.ssh("alpha", f"squeue --noheader --states=PENDING,RUNNING --jobs={job_id}").stdout
    assert left.strip() == "", f"salloc left its job behind: {left}"


async def test_no_shell_is_started_in_a_job_that_does_not_run(lab, link):
    job_id = lab.ssh("alpha", "sbatch --parsable -p cpu -t 5 --hold --wrap 'sleep 60'").stdout.strip()
    try:
        with terminal_pair() as (_keyboard, terminal, shown):
            with pytest.raises(UserError, match=f"job {job_id} is PENDING, not running"):
                await job_shell(link, job_id, terminal)
        assert shown == b""
    finally:
        lab.ssh("alpha", f"scancel {job_id}")
