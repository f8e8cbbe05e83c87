"""A login node going away and coming back: the link backs off and returns; the other cluster never notices.

This stops and starts one sshd of the lab the ``lab`` fixture gives (``lab/ctl``, which also
ends the live sessions of that sshd). Run it against a lab of your own while others use the
shared one: ``HPCTUI_LAB_DIR=/tmp/mylab HPCTUI_LAB_PORT_BASE=27800 lab/up``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from hpctui.ssh.link import ClusterLink
from hpctui.ssh.types import LinkError, LinkState, LinkStatus

pytestmark = pytest.mark.lab

CTL = Path(__file__).resolve().parents[2] / "lab" / "ctl"


async def ctl(lab, *args: str) -> None:
    env = {**os.environ, "HPCTUI_LAB_DIR": str(lab.dir)}
    done = await asyncio.to_thread(subprocess.run, [str(CTL), *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


async def wait_for(link: ClusterLink, state: LinkState, seen: list[LinkStatus], timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not any(status.state is state for status in seen):
            await asyncio.sleep(0.05)


@pytest.mark.serial
async def test_sshd_restart_backs_off_then_reconnects_and_spares_the_other_cluster(lab):
    alpha, beta = (ClusterLink(lab.config.cluster(name)) for name in ("alpha", "beta"))
    alpha_seen: list[LinkStatus] = []
    beta_seen: list[LinkStatus] = []
    for link, seen in ((alpha, alpha_seen), (beta, beta_seen)):
        await link.start()
        await link.wait_connected(30)
        link.subscribe(seen.append)
    try:
        running = asyncio.create_task(alpha.run("sleep 30"))
        await asyncio.sleep(0.5)
        await ctl(lab, "stop", "sshd", "alpha")
        try:
            with pytest.raises(LinkError, match="alpha: connection lost while running sleep"):
                await asyncio.wait_for(running, 30)
            await wait_for(alpha, LinkState.BACKING_OFF, alpha_seen, 30)
            down = r"alpha: not connected \((backing off, next try in \d+ s|connecting)\)"
            with pytest.raises(LinkError, match=down):
                await alpha.run("true")
            assert (await beta.run("echo $SLURM_CONF")).stdout == f"{lab.slurm_conf('beta')}\n"
        finally:
            await ctl(lab, "start", "sshd", "alpha")
        await alpha.wait_connected(60)
        assert (await alpha.run("echo $SLURM_CONF")).stdout == f"{lab.slurm_conf('alpha')}\n"
    finally:
        await alpha.close()
        await beta.close()
    backing_off = next(status for status in alpha_seen if status.state is LinkState.BACKING_OFF)
    assert backing_off.detail.startswith("next try in ") and backing_off.reason
    assert alpha_seen[-1].state is LinkState.DISCONNECTED
    assert LinkState.CONNECTED in [status.state for status in alpha_seen]
    assert [status.state for status in beta_seen] == [LinkState.DISCONNECTED]  # only our close()


def session_processes(lab, cluster: str) -> list[int]:
    """The per-connection processes under the lab's sshd for ``cluster`` (not the listener)."""
    found, parents = [], [int((lab.dir / "pids" / f"sshd-{cluster}.pid").read_text())]
    while parents:
        answer = subprocess.run(["pgrep", "-P", str(parents.pop())], capture_output=True, text=True)
        children = [int(pid) for pid in answer.stdout.split()]
        found += children
        parents += children
    return found


def signal_all(pids: list[int], signum: int) -> None:
    """``signum`` to each process still there (a command under sshd may end as it is listed)."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


@pytest.mark.serial
async def test_a_frozen_server_is_detected_by_keepalive(lab):
    """TCP stays up but nothing answers (a hung login node): keepalives notice, the link reconnects."""
    cluster = lab.config.cluster("alpha")
    link = ClusterLink(replace(cluster, ssh=replace(cluster.ssh, keepalive_s=1)))
    seen: list[LinkStatus] = []
    await link.start()
    await link.wait_connected(30)
    link.subscribe(seen.append)
    frozen = session_processes(lab, "alpha")
    try:
        signal_all(frozen, signal.SIGSTOP)
        await wait_for(link, LinkState.BACKING_OFF, seen, 30)
    finally:
        signal_all(frozen, signal.SIGCONT)
    await link.wait_connected(60)
    assert (await link.run("echo alive")).stdout == "alive\n"
    await link.close()
    backing_off = next(status for status in seen if status.state is LinkState.BACKING_OFF)
    assert "keepalive" in backing_off.reason.lower() or "timeout" in backing_off.reason.lower()
