"""Connections and throughput of ClusterLink against the lab (lab/up first).

Per cluster: 5 open `tail -F` streams plus 8 commands at once, then the TCP connections the
cluster's sshd sees (ours and in total), then commands per second over the one connection,
one at a time and 8 at a time.

    python bench/connections_bench.py [--config PATH] [--commands 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shlex
import time

from hpctui.config.load import load_config
from hpctui.config.model import Cluster
from hpctui.ssh.link import ClusterLink
from hpctui.ssh.netstat import server_connections


def lab_ports(config_path: str) -> dict[str, int]:
    """sshd port per cluster, from the lab.env beside the lab's hpctui.yaml."""
    env_file = os.path.join(os.path.dirname(config_path), "lab.env")
    values = dict(line.split("=", 1) for line in open(env_file).read().split())
    prefix = "SSH_PORT_"
    return {key.removeprefix(prefix).lower(): int(value) for key, value in values.items() if key.startswith(prefix)}


async def under_load(link: ClusterLink, port: int) -> tuple[int, int, float]:
    """(our connections, all connections) seen by sshd with 5 tails and 8 commands running."""
    scratch = (await link.run("mktemp")).stdout.strip()
    try:
        async with contextlib.AsyncExitStack() as stack:
            for _ in range(5):
                await stack.enter_async_context(link.stream(f"tail -n 0 -F {shlex.quote(scratch)}"))
            started = time.perf_counter()
            commands = asyncio.gather(*(link.run("sleep 0.5; hostname") for _ in range(8)))
            await asyncio.sleep(0.25)
            seen = server_connections(port, os.getpid()), server_connections(port)
            await commands
            return (*seen, time.perf_counter() - started)
    finally:
        await link.run(f"rm -f {shlex.quote(scratch)}")


async def rate(link: ClusterLink, commands: int, parallel: int) -> float:
    """Commands per second running ``true``, ``parallel`` at a time."""
    started = time.perf_counter()
    for offset in range(0, commands, parallel):
        batch = min(parallel, commands - offset)
        results = await asyncio.gather(*(link.run("true") for _ in range(batch)))
        assert all(result.ok for result in results)
    return commands / (time.perf_counter() - started)


async def bench_cluster(cluster: Cluster, port: int, commands: int) -> None:
    link = ClusterLink(cluster)
    started = time.perf_counter()
    await link.start()
    await link.wait_connected(30)
    connect_s = time.perf_counter() - started
    try:
        ours, total, load_s = await under_load(link, port)
        sequential = await rate(link, commands, 1)
        parallel = await rate(link, commands, 8)
    finally:
        await link.close()
    print(
        f"{cluster.name:6} port {port}: connect {connect_s * 1000:.0f} ms | 5 tails + 8 commands "
        f"({load_s:.2f} s): TCP connections from us {ours}, at sshd in total {total} | "
        f"{sequential:.0f} cmd/s one at a time, {parallel:.0f} cmd/s 8 at a time ({commands} commands each)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.path.join(os.environ.get("HPCTUI_LAB_DIR", "/tmp/hpctui-lab"), "hpctui.yaml")
    parser.add_argument("--config", default=default)
    parser.add_argument("--commands", type=int, default=200)
    args = parser.parse_args()
    config = load_config(args.config)
    ports = lab_ports(args.config)
    await asyncio.gather(*(bench_cluster(cluster, ports[cluster.name], args.commands) for cluster in config.clusters))


if __name__ == "__main__":
    asyncio.run(main())
