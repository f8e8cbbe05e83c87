"""Throughput and latency through a tunnel on the lab (lab/up first).

A job on alpha serves a file with ``python3 -m http.server``; hpctui forwards a local port to it
over the cluster's one SSH connection. Printed: MB/s downloading the big file, and ms per small
request (each one a new TCP connection, so a new direct-tcpip channel, as a browser's are), both
through the tunnel and straight to the server (the lab's node is this machine: the baseline).

    python bench/tunnel_bench.py [--config PATH] [--megabytes 64] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import socket
import subprocess
import time
import urllib.request

from hpctui.config.load import load_config
from hpctui.errors import UserError
from hpctui.services.cluster import ClusterSession
from hpctui.ssh.types import LinkError

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
CHUNK = 1 << 20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def lab_ssh(config_path: str, command: str) -> str:
    ssh_config = os.path.join(os.path.dirname(config_path), "ssh_config")
    return subprocess.run(["ssh", "-F", ssh_config, "-n", "alpha", command], capture_output=True, text=True).stdout


def fetch(url: str) -> int:
    with OPENER.open(url, timeout=60) as response:
        size = 0
        while data := response.read(CHUNK):
            size += len(data)
        return size


async def measure(base: str, megabytes: int, requests: int) -> tuple[float, float]:
    """(MB/s for the big file, ms per small request)."""
    started = time.perf_counter()
    size = await asyncio.to_thread(fetch, base + "big")
    throughput = size / 1e6 / (time.perf_counter() - started)
    assert size == megabytes << 20, size
    started = time.perf_counter()
    for _ in range(requests):
        await asyncio.to_thread(fetch, base + "small")
    return throughput, (time.perf_counter() - started) * 1000 / requests


async def bench(config_path: str, megabytes: int, requests: int) -> None:
    port = free_port()
    server = f"exec python3 -m http.server {port} --bind 127.0.0.1"
    job_id = lab_ssh(
        config_path,
        f"d=$(mktemp -d) && cd $d && head -c {megabytes}M /dev/urandom > big && echo ok > small && "
        f"sbatch --parsable -p cpu -t 15 -J tunnel-bench -o /dev/null --wrap {shlex.quote(server)}",
    ).strip()
    session = ClusterSession(load_config(config_path).cluster("alpha"))
    try:
        await session.link.start()
        await session.link.wait_connected(30)
        tunnel = None
        for _ in range(120):
            try:
                tunnel = await session.tunnels.open(job_id, port, 0)
                await session.link.check_reachable(tunnel.target.address, port)
                break
            except (UserError, LinkError):  # not running yet, or not listening yet
                if tunnel is not None:
                    await session.tunnels.close(tunnel)
                    tunnel = None
                await asyncio.sleep(0.5)
        assert tunnel is not None, f"job {job_id} never served on {port}"
        for what, base in (("through the tunnel", tunnel.url), ("direct (baseline)", f"http://127.0.0.1:{port}/")):
            mb_s, ms = await measure(base, megabytes, requests)
            print(f"{what:20}: {mb_s:7.1f} MB/s ({megabytes} MiB file) | {ms:6.2f} ms per small request ({requests})")
        print(f"TCP connections carried by the tunnel: {tunnel.connections}, on one SSH connection")
    finally:
        await session.close()
        lab_ssh(config_path, f"scancel {job_id}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    lab_dir = os.environ.get("HPCTUI_LAB_DIR", "/tmp/hpctui-lab")
    parser.add_argument("--config", default=os.path.join(lab_dir, "hpctui.yaml"))
    parser.add_argument("--megabytes", type=int, default=64)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(bench(args.config, args.megabytes, args.requests))


if __name__ == "__main__":
    main()
