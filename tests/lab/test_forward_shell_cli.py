"""`hpctui forward` and `hpctui shell` end to end: the real CLI, in a subprocess, on the lab."""

from __future__ import annotations

import asyncio
import os
import pty
import signal
import subprocess
import sys
import time
import uuid

import pytest
from test_link_connections import ssh_port
from tunnel_helpers import http_get, http_job, port_is_free, wait_listening, wait_running

from hpctui.ssh.netstat import server_connections

pytestmark = pytest.mark.lab


def start(lab, *args: str, **options) -> subprocess.Popen:
    command = [sys.executable, "-m", "hpctui", "--config", str(lab.config_path), *args]
    return subprocess.Popen(command, **options)


async def test_forward_prints_the_url_serves_http_on_one_connection_and_stops_cleanly_on_ctrl_c(lab):
    with http_job(lab, "alpha", uuid.uuid4().hex[:8]) as job:
        wait_listening(job.port)
        process = start(lab, "forward", "alpha", job.job_id, str(job.port), "--local-port", "0",
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        try:
            first = await asyncio.to_thread(process.stdout.readline)
            url = first.split()[0]
            body = await http_get(url + "hello.txt")
            connections = server_connections(ssh_port(lab, "alpha"), process.pid)
            process.send_signal(signal.SIGINT)
            out, err = await asyncio.to_thread(process.communicate, timeout=60)
        finally:
            process.kill()
    assert url.startswith("http://127.0.0.1:") and f"job {job.job_id}" in first, (first, err)
    assert body == job.body
    assert connections == 1
    assert (process.returncode, out.strip(), err) == (0, "tunnel closed", "")
    assert port_is_free(int(url.rstrip("/").rsplit(":", 1)[1]))


def test_shell_runs_in_the_job_in_the_users_terminal(lab):
    job_id = lab.ssh("alpha", "sbatch --parsable -p cpu -t 5 -o /dev/null --wrap 'sleep 300'").stdout.strip()
    master, slave = pty.openpty()
    try:
        wait_running(lab, "alpha", job_id)
        process = start(lab, "shell", "alpha", job_id, stdin=slave, stdout=slave, stderr=slave)
        shown = b""
        deadline = time.monotonic() + 60
        while not shown.rstrip().endswith(b"$"):
            assert time.monotonic() < deadline, shown
            shown += os.read(master, 65536)
        os.write(master, b"echo IN=$SLURM_JOB_ID; exit 4\r")
        assert process.wait(timeout=60) == 4
        os.set_blocking(master, False)
        try:
            while data := os.read(master, 65536):
                shown += data
        except OSError:
            pass
    finally:
        os.close(master)
        os.close(slave)
        lab.ssh("alpha", f"scancel {job_id}")
    assert f"IN={job_id}".encode() in shown


@pytest.mark.parametrize("where", [["-p", "nosuch", "-t", "5"], ["1"]])
def test_shell_without_a_terminal_says_so_in_one_line_before_connecting(lab, where):
    process = start(lab, "shell", "alpha", *where, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, text=True)  # fmt: skip
    out, err = process.communicate(timeout=60)
    assert (process.returncode, out) == (2, "")
    assert err.strip().splitlines() == ["hpctui: hpctui shell needs a terminal: stdin is not a tty"]
