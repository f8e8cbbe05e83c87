"""Tunnels against the lab: a real HTTP server in a job, reached through hpctui's one connection."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid

import pytest
from test_link_connections import ssh_port
from tunnel_helpers import http_get, http_job, port_is_free, wait_serving
from waiting import eventually

from hpctui.errors import UserError
from hpctui.services.cluster import ClusterSession
from hpctui.services.tunnels import TunnelState
from hpctui.ssh.netstat import server_connections

pytestmark = pytest.mark.lab


@pytest.fixture
async def session(lab):
    opened = ClusterSession(lab.config.cluster("alpha"))
    await opened.link.start()
    await opened.link.wait_connected(30)
    yield opened
    await opened.close()


async def test_http_get_through_a_tunnel_on_the_one_connection_and_close_frees_the_port(lab, session):
    with http_job(lab, "alpha", uuid.uuid4().hex[:8]) as job:
        await wait_serving(session.link, job)
        before = server_connections(ssh_port(lab, "alpha"), os.getpid())
        tunnel = await session.tunnels.open(job.job_id, job.port, 0)
        assert tunnel.url == f"http://127.0.0.1:{tunnel.local_port}/"
        bodies = [await http_get(tunnel.url + "hello.txt") for _ in range(3)]
        during = server_connections(ssh_port(lab, "alpha"), os.getpid())
        assert await session.tunnels.test(tunnel)
        await session.tunnels.close(tunnel)
        after = server_connections(ssh_port(lab, "alpha"), os.getpid())
        assert bodies == [job.body] * 3
        assert tunnel.connections >= 3
        assert (before, during, after) == (1, 1, 1)
        assert tunnel.target.node == "a3" and tunnel.target.address == "127.0.0.1"
        assert port_is_free(tunnel.local_port)
        assert session.tunnels.tunnels == []


async def test_a_tunnel_listens_again_on_the_same_port_after_a_reconnect(lab, session):
    with http_job(lab, "alpha", uuid.uuid4().hex[:8]) as job:
        await wait_serving(session.link, job)
        tunnel = await session.tunnels.open(job.job_id, job.port, 0)
        port = tunnel.local_port
        await session.link.reconnect()
        await session.link.wait_connected(30)
        await eventually(lambda: tunnel.state is TunnelState.OPEN and tunnel.listener is not None, 30)
        assert (tunnel.state, tunnel.local_port) == (TunnelState.OPEN, port)
        assert await http_get(tunnel.url + "hello.txt") == job.body
        assert server_connections(ssh_port(lab, "alpha"), os.getpid()) == 1


async def test_a_tunnel_whose_port_was_taken_during_the_outage_is_broken(lab, session):
    with http_job(lab, "alpha", uuid.uuid4().hex[:8]) as job:
        await wait_serving(session.link, job)
        tunnel = await session.tunnels.open(job.job_id, job.port, 0)
        await session.link.close()  # the listener dies with the connection
        with socket.socket() as squatter:
            squatter.bind(("127.0.0.1", tunnel.local_port))
            squatter.listen()
            await session.link.start()
            await session.link.wait_connected(30)
            await eventually(lambda: tunnel.state is TunnelState.BROKEN, 30)
        assert tunnel.state is TunnelState.BROKEN
        assert f"127.0.0.1:{tunnel.local_port}" in tunnel.problem
        assert not await session.tunnels.test(tunnel)


async def test_a_tunnel_closes_and_frees_its_port_when_its_job_ends(lab, session):
    session.poller.start()  # the tunnels follow the session's polls
    with http_job(lab, "alpha", uuid.uuid4().hex[:8]) as job:
        await wait_serving(session.link, job)
        tunnel = await session.tunnels.open(job.job_id, job.port, 0)
        await _poll_until(session, lambda: tunnel.seen_running)
        lab.ssh("alpha", f"scancel {job.job_id}")
        await _poll_until(session, lambda: tunnel.state is TunnelState.CLOSED)
    assert tunnel.problem in {f"job {job.job_id} ended ({state})" for state in ("COMPLETING", "CANCELLED")}
    assert port_is_free(tunnel.local_port)
    assert session.tunnels.tunnels == [tunnel]  # listed until dismissed


async def _poll_until(session, condition) -> None:
    async with asyncio.timeout(60):
        while not condition():
            session.poller.refresh_now()
            await asyncio.sleep(1)


async def test_a_pending_job_has_no_node_to_tunnel_to(lab, session):
    answer = lab.ssh("alpha", "sbatch --parsable -p cpu -t 5 --hold --wrap 'sleep 60'")
    job_id = answer.stdout.strip()
    try:
        with pytest.raises(UserError, match=f"job {job_id} is PENDING, not running"):
            await session.tunnels.open(job_id, 8888)
    finally:
        lab.ssh("alpha", f"scancel {job_id}")
