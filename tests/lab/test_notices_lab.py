"""Notifications against the real lab, through the real SSH path: a job that ends gives exactly
one notice; losing the login node or the controller for a while gives none; `hpctui watch
--until-done` exits 0 when the jobs completed and 1 otherwise.

The drills stop a daemon of the lab the ``lab`` fixture gives (``lab/ctl``): they are serial.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from hpctui.config.model import Notifications, Refresh
from hpctui.services.cluster import ClusterSession
from hpctui.services.notice_feed import NoticeFeed
from hpctui.services.notices import Notice, NoticeEngine, wants
from hpctui.ssh.types import LinkState

pytestmark = pytest.mark.lab
LAB_CTL = Path(__file__).resolve().parents[2] / "lab" / "ctl"
FAST = Refresh(queue_s=1.0, gpus_s=30.0, idle_queue_s=1.0, idle_gpus_s=30.0)


def submit(lab, cluster: str, *args: str) -> str:
    answer = lab.ssh(cluster, "sbatch --parsable " + " ".join(args))
    assert answer.returncode == 0, answer.stderr
    return answer.stdout.strip().split(";")[0]


async def until(predicate, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        await asyncio.sleep(step)
    raise AssertionError(f"condition not met within {timeout} s")


class Watched:
    """A real session of one lab cluster (fast polls) with a NoticeFeed collecting notices."""

    def __init__(self, lab, cluster: str) -> None:
        self.session = ClusterSession(replace(lab.config.cluster(cluster), refresh=FAST))
        self.notices: list[Notice] = []
        self.feed = NoticeFeed({cluster: self.session}, NoticeEngine(), self.notices.extend)

    async def __aenter__(self) -> Watched:
        await self.session.start()
        self.feed.start()
        await until(lambda: self.session.poller.latest.jobs_at, 30)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.feed.stop()
        await self.session.close()

    def about(self, *job_ids: str) -> list[Notice]:
        return [n for n in self.notices if n.job_id in job_ids]

    async def good_polls(self, count: int) -> None:
        """Wait for ``count`` more successful polls."""
        polls = self.session.poller.polls + count
        await until(lambda: self.session.poller.polls >= polls and self.session.poller.latest.error is None, 60)


async def test_a_job_that_ends_gives_exactly_one_notice(lab):
    job_id = submit(lab, "alpha", "-p cpu -J notice-once --wrap 'sleep 3'")
    async with Watched(lab, "alpha") as watched:
        await until(lambda: any(n.event == "completed" for n in watched.about(job_id)), 60)
        await watched.good_polls(3)
    wanted = [n for n in watched.about(job_id) if wants(Notifications(), n)]
    assert [(n.event, n.job_name) for n in wanted] == [("completed", "notice-once")]
    assert watched.session.endings.sacct_runs == 0  # squeue showed the end: accounting was not asked


async def test_a_requeued_job_is_announced_once(lab):
    job_id = submit(lab, "alpha", "-p cpu -J notice-requeue --requeue --wrap 'sleep 120'")
    try:
        await until(lambda: lab.ssh("alpha", f"squeue -h -j {job_id} -o %T").stdout.strip() == "RUNNING", 60)
        async with Watched(lab, "alpha") as watched:  # its first look sees the job running
            answer = lab.ssh("alpha", f"scontrol requeue {job_id}")
            assert answer.returncode == 0, answer.stderr
            await until(lambda: watched.about(job_id), 60)
            await watched.good_polls(3)
        assert [n.event for n in watched.about(job_id)] == ["requeued"]
    finally:
        lab.ssh("alpha", f"scancel {job_id}")


async def test_a_failing_job_is_announced_as_failed(lab):
    job_id = submit(lab, "beta", "-p normal -J notice-fail --wrap 'sleep 2; exit 3'")
    async with Watched(lab, "beta") as watched:
        await until(lambda: any(n.ended for n in watched.about(job_id)), 60)
        await watched.good_polls(2)
    assert [n.event for n in watched.about(job_id) if n.ended] == ["failed"]


def lab_ctl(lab, *args: str) -> None:
    env = {**os.environ, "HPCTUI_LAB_DIR": str(lab.dir)}
    subprocess.run([str(LAB_CTL), *args], check=True, capture_output=True, timeout=120, env=env)


async def drill(lab, daemon: str, broken) -> list[Notice]:
    """Stop ``daemon`` of alpha while a job runs and another waits, until ``broken(watched)``,
    start it again, wait for good polls; the notices about those jobs."""
    running = submit(lab, "alpha", "-p cpu -J drill-run --wrap 'sleep 300'")
    held = submit(lab, "alpha", "-p cpu -H -J drill-held --wrap 'sleep 300'")
    try:
        await until(lambda: lab.ssh("alpha", f"squeue -h -j {running} -o %T").stdout.strip() == "RUNNING", 60)
        async with Watched(lab, "alpha") as watched:
            await watched.good_polls(2)
            lab_ctl(lab, "stop", daemon, "alpha")
            try:
                await until(lambda: broken(watched), 60)
                await asyncio.sleep(3)  # several failed polls
            finally:
                lab_ctl(lab, "start", daemon, "alpha")
            await until(lambda: watched.session.link.status.state is LinkState.CONNECTED, 90)
            watched.session.poller.refresh_now()
            await watched.good_polls(3)
        return watched.about(running, held)
    finally:
        lab.ssh("alpha", f"scancel {running} {held}")


@pytest.mark.serial
async def test_the_sshd_kill_drill_gives_no_notice(lab):
    notices = await drill(lab, "sshd", lambda w: w.session.link.status.state is not LinkState.CONNECTED)
    assert notices == []


@pytest.mark.serial
async def test_the_controller_down_drill_gives_no_notice(lab):
    notices = await drill(lab, "slurmctld", lambda w: w.session.poller.latest.error)
    assert notices == []


def fast_config(lab, tmp_path: Path) -> Path:
    text = lab.config_path.read_text()
    lines = [line for line in text.splitlines() if not line.startswith("refresh:")]
    lines.insert(1, "refresh: {queue_s: 1, idle_queue_s: 1, gpus_s: 30, idle_gpus_s: 30}")
    lines.append("notifications: {desktop: []}")
    path = tmp_path / "fast.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


async def watch(config: Path, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "hpctui", "--config", str(config), "watch", *args]
    return await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=120)


async def test_watch_until_done_exits_0_when_all_completed_and_1_otherwise(lab, tmp_path):
    config = fast_config(lab, tmp_path)
    good = submit(lab, "alpha", "-p cpu -J watch-good --wrap 'sleep 2'")
    bad = submit(lab, "beta", "-p normal -J watch-bad --wrap 'sleep 2; exit 1'")
    done = await watch(config, f"alpha:{good}", "--until-done")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].endswith(f"alpha {good} (watch-good): completed")
    both = await watch(config, f"alpha:{good}", f"beta:{bad}", "--until-done")
    assert both.returncode == 1, both.stderr
    lines = sorted(line.split(" ", 2)[2] for line in both.stdout.splitlines()[1:])  # after "watching ..."
    assert lines == [f"alpha {good} (watch-good): completed", f"beta {bad} (watch-bad): FAILED"]


def completed_long_ago(lab) -> tuple[str, str] | None:
    """A job of ours that completed minutes ago (the controller has forgotten it), if any."""
    found = lab.ssh("alpha", "sacct -X -n -P -S now-7days -E now-3minutes -s CD -o JobID,JobName")
    rows = [line.split("|", 1) for line in found.stdout.splitlines() if line.split("|")[0].isdigit()]
    return (rows[-1][0], rows[-1][1]) if rows else None


async def test_watch_of_a_job_gone_from_the_queue_asks_accounting(lab, tmp_path):
    config = fast_config(lab, tmp_path)
    old, name = completed_long_ago(lab) or (submit(lab, "alpha", "-p cpu -J watch-old --wrap 'exit 0'"), "watch-old")
    # The controller forgets an ended job after MinJobAge (60 s in the lab): then only sacct knows.
    await until(lambda: lab.ssh("alpha", f"squeue -h --states=all -j {old} -o %T").stdout.strip() == "", 120, step=2)
    done = await watch(config, f"alpha:{old}", "--until-done")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].endswith(f"alpha {old} ({name}): completed")
    unknown = await watch(config, "alpha:99999999", "--until-done")
    assert unknown.returncode == 1
    assert "alpha 99999999: unknown to accounting" in unknown.stdout
