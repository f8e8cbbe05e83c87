"""The Poller against the real lab: real jobs, the polite schedule, a controller outage."""

from __future__ import annotations

import asyncio
import shlex
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from waiting import eventually

from hpctui.config.model import Refresh
from hpctui.services.cluster import ClusterSession
from hpctui.ssh.link import ClusterLink

pytestmark = pytest.mark.lab
LAB_CTL = Path(__file__).resolve().parents[2] / "lab" / "ctl"


class CountingLink(ClusterLink):
    """A real link that also records the commands it ran (to count round trips)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.commands: list[str] = []

    async def run(self, command, **kwargs):
        self.commands.append(command)
        return await super().run(command, **kwargs)


def session_for(lab, name: str, refresh: Refresh | None = None) -> ClusterSession:
    cluster = lab.config.cluster(name)
    if refresh is not None:
        cluster = replace(cluster, refresh=refresh)
    session = ClusterSession(cluster)
    session.link = CountingLink(cluster)
    session.poller._link = session.link
    return session


def submit(lab, cluster: str, *args: str) -> str:
    answer = lab.ssh(cluster, "sbatch --parsable " + " ".join(args))
    assert answer.returncode == 0, answer.stderr
    return answer.stdout.strip().split(";")[0]


async def test_snapshot_has_the_clusters_real_jobs_and_gpus(lab):
    job_alpha = submit(lab, "alpha", "-p gpu --gres=gpu:2 -J pollertest --wrap 'sleep 60'")
    job_beta = submit(lab, "beta", "-p accel --gres=gpu:a100:1 -J pollertest --wrap 'sleep 60'")
    try:
        for name, job_id, gpu_type in (("alpha", job_alpha, "mi250x"), ("beta", job_beta, "a100")):
            session = session_for(lab, name)
            await session.start()
            try:
                snap = await eventually(lambda: session.poller.latest.jobs_at and session.poller.latest, 20)
                jobs = {j.job_id: j for j in snap.jobs}
                assert job_id in jobs and jobs[job_id].name == "pollertest"
                assert any(gpu_type in p.gpus_total for p in snap.partitions)
                assert snap.error is None
            finally:
                await session.close()
    finally:
        lab.ssh("alpha", f"scancel {job_alpha}")
        lab.ssh("beta", f"scancel {job_beta}")


async def test_one_round_trip_per_poll_and_sinfo_only_every_gpus_interval(lab):
    session = session_for(lab, "alpha", Refresh(queue_s=1.0, gpus_s=4.0))
    await session.start()
    try:
        await asyncio.sleep(8.5)
    finally:
        await session.close()
    commands = session.link.commands
    assert 4 <= len(commands) <= 10, commands  # one run() per poll, about one a second
    with_sinfo = [c for c in commands if "sinfo" in c]
    assert all("squeue" in c for c in commands)
    assert 2 <= len(with_sinfo) <= 3  # at 0 s, ~4 s, ~8 s


async def test_refresh_now_polls_at_once_and_polls_never_overlap(lab):
    session = session_for(lab, "beta", Refresh(queue_s=300, gpus_s=300))
    await session.start()
    try:
        await eventually(lambda: session.poller.polls >= 1, 20)
        for _ in range(5):  # a burst of requests coalesces: polls never overlap
            session.poller.refresh_now()
        await eventually(lambda: session.poller.polls >= 2, 10)
        await asyncio.sleep(1.0)
        assert session.poller.polls in (2, 3)
    finally:
        await session.close()


def lab_ctl(*args: str) -> None:
    subprocess.run([str(LAB_CTL), *args], check=True, capture_output=True, timeout=120)


@pytest.mark.serial
async def test_controller_outage_is_a_typed_error_for_that_cluster_only(lab):
    alpha = session_for(lab, "alpha", Refresh(queue_s=1.0, gpus_s=1.0))
    beta = session_for(lab, "beta", Refresh(queue_s=1.0, gpus_s=1.0))
    await alpha.start()
    await beta.start()
    try:
        await eventually(lambda: alpha.poller.latest.jobs_at and beta.poller.latest.jobs_at, 20)
        lab_ctl("stop", "slurmctld", "alpha")
        try:
            await eventually(lambda: alpha.poller.latest.error, 60)
            assert "slurm controller" in alpha.poller.latest.error.lower() or "timed out" in alpha.poller.latest.error
            assert alpha.poller.latest.jobs_at is not None  # the last good data is kept, with its age
            assert beta.poller.latest.error is None
        finally:
            lab_ctl("start", "slurmctld", "alpha")
        alpha.poller.refresh_now()
        await eventually(lambda: alpha.poller.latest.error is None, 90, step=0.5)
        assert beta.poller.latest.error is None
    finally:
        await alpha.close()
        await beta.close()


async def test_job_names_holding_the_delimiter_or_a_newline_keep_the_poll_and_their_names(lab):
    names = ["two\nlines", "unit\x1fseparator", "both\x1f\nat once"]
    ids = [submit(lab, "alpha", "-p cpu -H -J", shlex.quote(name), "--wrap 'sleep 60'") for name in names]
    plain = submit(lab, "alpha", "-p cpu -H -J plainname --wrap 'sleep 60'")
    session = session_for(lab, "alpha")
    await session.start()
    try:
        snapshot = await eventually(lambda: session.poller.latest.jobs_at and session.poller.latest, 20)
        jobs = {j.job_id: j for j in snapshot.jobs}
        assert snapshot.error is None and snapshot.warnings == ()
        assert [jobs[i].name for i in ids] == names
        assert jobs[plain].name == "plainname" and jobs[plain].state == "PENDING"
    finally:
        await session.close()
        lab.ssh("alpha", "scancel " + " ".join([*ids, plain]))
