"""A real HTTP server inside a lab job, for the tunnel tests (lab and UI)."""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import socket
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

from hpctui.ssh.link import ClusterLink
from hpctui.ssh.types import LinkError


@dataclass(frozen=True)
class HttpJob:
    job_id: str
    port: int
    body: str  # what GET /hello.txt answers


def free_port() -> int:
    """A port nothing listens on now (the lab's nodes are this machine)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def http_job(lab, cluster: str, token: str) -> Iterator[HttpJob]:
    """``python3 -m http.server`` in a batch job serving ``hello.txt``; cancelled afterwards."""
    port = free_port()
    body = f"hello from the job {token}\n"
    script = (
        f"d=$(mktemp -d) && printf %s {shlex.quote(body)} > $d/hello.txt && cd $d && "
        f"sbatch --parsable -p cpu -t 10 -J tunnel-{token} -o /dev/null "
        f"--wrap {shlex.quote(f'exec python3 -m http.server {port} --bind 127.0.0.1')}"
    )
    answer = lab.ssh(cluster, script)
    assert answer.returncode == 0, answer.stderr
    job_id = answer.stdout.strip().split(";")[0]
    try:
        yield HttpJob(job_id, port, body)
    finally:
        lab.ssh(cluster, f"scancel {job_id}")


async def wait_serving(link: ClusterLink, job: HttpJob, timeout: float = 60) -> None:
    """Until the job runs and its server accepts connections (seen from the login node)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            await link.check_reachable("127.0.0.1", job.port)
            return
        except LinkError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def http_get(url: str) -> str:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy: loopback

    def get() -> str:
        with opener.open(url, timeout=30) as response:
            return response.read().decode()

    return await asyncio.to_thread(get)


def wait_running(lab, cluster: str, job_id: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while lab.ssh(cluster, f"squeue -h -j {job_id} -o %T").stdout.strip() != "RUNNING":
        assert time.monotonic() < deadline, f"job {job_id} did not start"
        time.sleep(0.5)


def wait_listening(port: int, timeout: float = 60) -> None:
    """Until something accepts on 127.0.0.1:``port`` (a lab node's server is on this machine)."""
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        assert time.monotonic() < deadline, f"nothing listens on {port}"
        time.sleep(0.2)


def port_is_free(port: int) -> bool:
    """Nothing listens there and a server can listen there again (SO_REUSEADDR, as every server
    sets: the connections just carried leave TIME_WAIT entries on the port)."""
    with socket.socket() as client:
        if client.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
        return True
