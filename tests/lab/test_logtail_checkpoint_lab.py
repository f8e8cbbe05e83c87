"""Reading a job's checkpoint on the lab, in the WorkDir scontrol reports for a real job."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from test_actions_support import JOBS, LabJobs
from test_logtail_support import jobs, session  # noqa: F401 (fixtures)

from hpctui.services.checkpoint import CHECKPOINT_PATH, DEFAULT_COMMAND, CheckpointInfo, read_checkpoint
from hpctui.services.cluster import ClusterSession

pytestmark = pytest.mark.lab


async def work_dir_of_a_job(jobs: LabJobs, session: ClusterSession) -> str:
    work = jobs.new_dir(" with space")
    job_id = jobs.submit("--wrap=sleep 30", "--output=/dev/null", cwd=work)
    async with asyncio.timeout(30):
        while (details := await session.job_details(job_id)).work_dir is None:
            await asyncio.sleep(0.2)
    assert details.work_dir == work
    return work


async def test_checkpoint_of_a_job_with_the_clusters_command(jobs, session):
    work = await work_dir_of_a_job(jobs, session)
    jobs.sh(f"mkdir -p '{work}/outputs'")
    jobs.put(f"{work}/{CHECKPOINT_PATH}", "Epoch 12, Loss 0.0831, Metric 0.947\n")
    cluster = dataclasses.replace(session.cluster, checkpoint_cmd=f"cat {CHECKPOINT_PATH}")
    info = await read_checkpoint(session.link, cluster, work)
    assert isinstance(info, CheckpointInfo)
    assert (info.epoch, info.best_loss, info.best_metric) == ("12", "0.0831", "0.947")


async def test_clear_messages_when_there_is_no_checkpoint_or_no_torch(jobs, session):
    work = await work_dir_of_a_job(jobs, session)
    cat = dataclasses.replace(session.cluster, checkpoint_cmd=f"cat {CHECKPOINT_PATH}")
    assert await read_checkpoint(session.link, cat, work) == f"no checkpoint {CHECKPOINT_PATH} in {work}"
    assert await read_checkpoint(session.link, session.cluster, work) == f"no checkpoint {CHECKPOINT_PATH} in {work}"
    # The lab's torch comes from PYTHONPATH: without it, python3 is a python without torch.
    no_torch = dataclasses.replace(session.cluster, checkpoint_cmd=f"env -u PYTHONPATH {DEFAULT_COMMAND}")
    answer = await read_checkpoint(session.link, no_torch, work)
    assert answer == "torch is not importable by python3 on the login node: load its module or venv in checkpoint_cmd"


async def test_a_checkpoint_saved_by_pytorch_in_a_job_is_read_by_the_default_one_liner(jobs, session):
    assert session.cluster.checkpoint_cmd is None  # the built-in torch one-liner
    work = jobs.new_dir(" with space")
    jobs.put(f"{work}/save.sbatch", (JOBS / "save_checkpoint.sbatch").read_text())
    job_id = jobs.submit("--output=save.out", "save.sbatch", cwd=work)
    async with asyncio.timeout(90):  # the job imports torch before it saves
        while "saved" not in jobs.sh(f"cat '{work}/save.out' 2>/dev/null || true"):
            await asyncio.sleep(0.5)
    details = await session.job_details(job_id)
    assert details.work_dir == work
    info = await read_checkpoint(session.link, session.cluster, details.work_dir)
    assert isinstance(info, CheckpointInfo), info
    assert (info.epoch, info.best_loss, info.best_metric) == ("3", "0.25", "0.9")
    assert info.summary() == "epoch 3, best loss 0.25, best metric 0.9"
