"""Live use against the lab, through the real SSH path: a GPU job's readings from the fake
nvidia-smi (beta) and rocm-smi (alpha) change between two samples, sstat reports the job's
memory, and no GPU step is left once the sampler stops or its connection vanishes."""

from __future__ import annotations

import asyncio
import dataclasses
import shlex

import pytest
from test_actions_support import lab_jobs, lab_session

from hpctui.services.live_use import LiveSampler
from hpctui.slurm.livecmd import STEP_NAME

pytestmark = pytest.mark.lab
MIB = 1 << 20
HOLD_MEMORY = "python3 -c 'import time; a = bytearray(200 * 2**20); time.sleep(300)'"


async def eventually(condition, seconds: float, what: str) -> None:
    for _ in range(int(seconds * 4)):
        if await condition():
            return
        await asyncio.sleep(0.25)
    raise AssertionError(f"{what} after {seconds:g} s")


def live_steps(jobs, job: str) -> list[str]:
    """The job's live-use steps still known to the controller (squeue cuts names to 8 characters)."""
    names = jobs.sh(f"squeue -h -s -j {shlex.quote(job)} -o %50j").split()
    return [name for name in names if name == STEP_NAME]


@pytest.mark.parametrize(("cluster", "partition"), [("alpha", "gpu"), ("beta", "accel")])
async def test_gpu_numbers_move_sstat_has_memory_and_no_step_is_left(lab, tmp_path, cluster, partition) -> None:
    with lab_jobs(lab, cluster) as jobs:
        job = jobs.submit(
            "-J", "live-use", "-p", partition, "--gres=gpu:2", "--mem=1G", "-t", "10", "--wrap", HOLD_MEMORY
        )

        async def running() -> bool:
            return jobs.squeue(job) == ["RUNNING"]

        await eventually(running, 60, "the job never ran")
        await asyncio.sleep(5)  # the lab's accounting samples memory every 2 s
        async with lab_session(lab, cluster, tmp_path / "audit.log") as session:
            config = dataclasses.replace(
                session.cluster, refresh=dataclasses.replace(session.cluster.refresh, live_s=10)
            )
            sampler = LiveSampler(session.link, config, job, gpus=True)
            sampler.start()

            async def two_readings() -> bool:
                return len(sampler.live.gpus) >= 2 or sampler.live.gpu_error is not None

            await eventually(two_readings, 90, "no two GPU readings")
            assert sampler.live.gpu_error is None
            await sampler.read_usage()  # its own turn comes a minute after the step's start
            assert live_steps(jobs, job)  # the step runs inside the job's allocation
            await sampler.stop()
            live = sampler.live

            async def no_step() -> bool:
                return not live_steps(jobs, job)

            await eventually(no_step, 15, "the GPU step outlived the sampler")

            again = LiveSampler(session.link, config, job, gpus=True)
            again.start()

            async def one_reading() -> bool:
                return bool(again.live.gpus)

            await eventually(one_reading, 60, "no GPU reading the second time")
            await session.link.close()  # the client vanishes without stopping the step
            await eventually(no_step, 15, "the GPU step outlived its connection")
            await again.stop()
    (_, first), (_, second) = live.gpus[0], live.gpus[1]
    assert len(first) == 2 and [gpu.index for gpu in first] == [gpu.index for gpu in second]  # the job's 2 GPUs
    assert all(gpu.mem_total and gpu.util_pct is not None for gpu in first)
    assert [(g.util_pct, g.mem_used) for g in first] != [(g.util_pct, g.mem_used) for g in second]
    assert live.rss is not None and live.rss > 150 * MIB  # the 200 MiB the job holds, from sstat
    assert [step.step for step in live.usage[-1][1].steps][0] == f"{job}.batch"
