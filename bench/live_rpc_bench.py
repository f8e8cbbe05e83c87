"""slurmctld RPCs caused by the live-use view of one running GPU job, read from `sdiag` (run
as root, beside the lab; the budget is 4 RPCs a minute while a details or log screen is open).

Submits a small GPU job, runs the real LiveSampler on it for --seconds (default 5 minutes: a
screen left open; 660 s to see a GPU step replaced), and prints the RPCs of the first minute,
the average per minute over the whole run, by message type, and the fullest 60 s window. Nothing else should
use the lab's controller meanwhile (no TUI, no tests): sdiag counts every client.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time

from rpc_bench import LAB, sdiag

from hpctui.config.load import load_config
from hpctui.services.cluster import ClusterSession
from hpctui.services.live_use import RPC_BUDGET_PER_MIN, LiveSampler

PARTITIONS = {"alpha": "gpu", "beta": "accel"}


def rpcs(cluster: str) -> dict[str, int]:
    """Every request counted since the last reset, but sdiag's own (the slurmd's MESSAGE_* are
    not a client's)."""
    found = re.findall(r"^\s+(REQUEST_\w+)\s+\(\s*\d+\)\s+count:(\d+)", sdiag(cluster), re.M)
    return {name: int(count) for name, count in found if name != "REQUEST_STATS_INFO"}


async def submit(session: ClusterSession) -> str:
    partition = PARTITIONS[session.name]
    result = await session.link.run(
        f"sbatch --parsable -J live-bench -p {partition} --gres=gpu:1 -t 15 --wrap 'sleep 900'"
    )
    job = result.stdout.strip().split(";")[0]
    for _ in range(60):
        state = await session.link.run(f"squeue -h -j {job} -o %T")
        if state.stdout.strip() == "RUNNING":
            return job
        await asyncio.sleep(1)
    raise SystemExit(f"job {job} never ran")


SAMPLE_S = 5.0  # how often the RPC count is read, for the fullest 60 s window


def fullest_minute(totals: list[tuple[float, int]]) -> int:
    """The most RPCs counted in any 60 s between two readings of ``totals`` (time, running count)."""
    return max(
        (later - earlier for t0, earlier in totals for t1, later in totals if 0 < t1 - t0 <= 60 + SAMPLE_S / 2),
        default=0,
    )


async def measure(session: ClusterSession, seconds: float) -> tuple[dict[str, int], dict[str, int], int]:
    job = await submit(session)
    await asyncio.sleep(3)
    sampler = LiveSampler(session.link, session.cluster, job, gpus=True)
    try:
        sdiag(session.name, "-r")
        started = time.monotonic()
        sampler.start()
        totals = [(0.0, 0)]
        first_minute: dict[str, int] = {}
        while (at := time.monotonic() - started) < seconds:
            await asyncio.sleep(SAMPLE_S)
            counts = rpcs(session.name)
            totals.append((at + SAMPLE_S, sum(counts.values())))
            if not first_minute and at + SAMPLE_S >= 60:
                first_minute = counts
        await sampler.stop()
        await asyncio.sleep(2)  # the step's completion reaches the controller
        whole = rpcs(session.name)
    finally:
        await session.link.run(f"scancel {job}")
    if sampler.live.gpu_error or sampler.live.usage_error or not sampler.live.gpus:
        raise SystemExit(f"the sampler did not read: {sampler.live.gpu_error or sampler.live.usage_error}")
    return first_minute, whole, fullest_minute(totals)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=str(LAB / "hpctui.yaml"))
    parser.add_argument("--cluster", default="beta", choices=sorted(PARTITIONS))
    parser.add_argument("--seconds", type=float, default=300.0)
    args = parser.parse_args()
    session = ClusterSession(load_config(args.config).cluster(args.cluster))
    await session.link.start()
    await session.link.wait_connected(30)
    try:
        first_minute, whole, fullest = await measure(session, args.seconds)
    finally:
        await session.link.close()
    refresh = session.cluster.refresh
    print(
        f"{args.cluster}: live use, GPUs every {refresh.live_s:g} s: first minute {sum(first_minute.values())} RPCs {first_minute}"
    )
    print(
        f"{args.cluster}: over {args.seconds:.0f} s: {sum(whole.values()) / (args.seconds / 60):.1f} RPCs/min {whole}"
        f" (budget {RPC_BUDGET_PER_MIN:g}/min while open)"
    )
    print(f"{args.cluster}: the fullest 60 s (read every {SAMPLE_S:g} s) held {fullest} RPCs")


if __name__ == "__main__":
    asyncio.run(main())
