"""ClusterLink against the lab's real OpenSSH: one TCP connection per cluster, whatever the load."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
from dataclasses import replace

import pytest

from hpctui.ssh.link import ClusterLink
from hpctui.ssh.netstat import server_connections

pytestmark = pytest.mark.lab

CLUSTERS = ("alpha", "beta")


def ssh_port(lab, cluster: str) -> int:
    """The sshd port of ``cluster`` in this lab (lab.env records what lab/up used)."""
    values = dict(line.split("=", 1) for line in (lab.dir / "lab.env").read_text().split())
    return int(values[f"SSH_PORT_{cluster.upper()}"])


@pytest.fixture
async def links(lab):
    opened = {cluster: ClusterLink(lab.config.cluster(cluster)) for cluster in CLUSTERS}
    for link in opened.values():
        await link.start()
    for link in opened.values():
        await link.wait_connected(30)
    yield opened
    for link in opened.values():
        await link.close()


@pytest.fixture
async def scratch(links):
    """A fresh remote file per cluster (removed afterwards)."""
    paths = {cluster: (await link.run("mktemp")).stdout.strip() for cluster, link in links.items()}
    yield paths
    for cluster, link in links.items():
        await link.run(f"rm -f {shlex.quote(paths[cluster])}")


async def test_one_connection_per_cluster_with_5_tails_and_8_commands(lab, links, scratch):
    async with contextlib.AsyncExitStack() as stack:
        tails = {}
        for cluster, link in links.items():
            command = f"tail -n 0 -F {shlex.quote(scratch[cluster])}"
            tails[cluster] = [await stack.enter_async_context(link.stream(command)) for _ in range(5)]
        busy = [
            asyncio.create_task(link.run(f"sleep 1; echo {cluster} {i}"))
            for cluster, link in links.items()
            for i in range(8)
        ]
        await asyncio.sleep(0.5)  # commands running or queued, tails open
        counts = {cluster: server_connections(ssh_port(lab, cluster), os.getpid()) for cluster in CLUSTERS}
        results = await asyncio.gather(*busy)
        for cluster, link in links.items():
            await link.run(f"echo hello {cluster} >> {shlex.quote(scratch[cluster])}")
            lines = await asyncio.gather(*(asyncio.wait_for(anext(tail), 10) for tail in tails[cluster]))
            assert lines == [f"hello {cluster}\n".encode()] * 5
    assert counts == {"alpha": 1, "beta": 1}
    expected = [f"{cluster} {i}\n" for cluster in links for i in range(8)]
    assert [result.stdout for result in results] == expected


async def test_twelve_concurrent_commands_are_queued_and_all_succeed(lab, links):
    link = links["alpha"]
    results = await asyncio.gather(*(link.run(f"sleep 0.3; echo $SLURM_CONF {i}") for i in range(12)))
    assert [result.stdout for result in results] == [f"{lab.slurm_conf('alpha')} {i}\n" for i in range(12)]
    assert server_connections(ssh_port(lab, "alpha"), os.getpid()) == 1


async def test_openssh_max_sessions_refusals_are_retried_on_the_same_connection(lab):
    """A link allowed 14 channels meets sshd's MaxSessions 10: refused channels wait, never fail."""
    cluster = lab.config.cluster("beta")
    greedy = replace(cluster, ssh=replace(cluster.ssh, channels=14))
    link = ClusterLink(greedy, max_channels=14)
    await link.start()
    await link.wait_connected(30)
    try:
        results = await asyncio.gather(*(link.run(f"sleep 1; echo {i}") for i in range(14)))
        assert [result.stdout for result in results] == [f"{i}\n" for i in range(14)]
        assert server_connections(ssh_port(lab, "beta"), os.getpid()) == 1
    finally:
        await link.close()
