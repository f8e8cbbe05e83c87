"""slurmctld RPCs caused by hpctui's polling, read from `sdiag` (run as root, beside the lab).

Prints, per cluster: RPCs of one full poll (squeue + sinfo), and RPCs per minute while the
real Poller runs at the configured refresh for --seconds (default: one minute).
Peers for comparison (same measure, published in the project brief): turm 90/min, slurmhub 114/min.
Other users of the same lab add to the counts: run it on a quiet lab.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import time
from pathlib import Path

from hpctui.config.load import load_config
from hpctui.services.cluster import ClusterSession

LAB = Path(os.environ.get("HPCTUI_LAB_DIR", "/tmp/hpctui-lab"))
READ_RPCS = (
    "REQUEST_FED_INFO",
    "REQUEST_JOB_USER_INFO",
    "REQUEST_PARTITION_INFO",
    "REQUEST_NODE_INFO",
    "REQUEST_JOB_INFO",
    "REQUEST_JOB_INFO_SINGLE",
)


def sdiag(cluster: str, *args: str) -> str:
    env = {**os.environ, "SLURM_CONF": str(LAB / cluster / "slurm.conf")}
    return subprocess.run(["sdiag", *args], env=env, capture_output=True, text=True, check=True).stdout


def read_rpcs(cluster: str) -> dict[str, int]:
    counts = {}
    for name, count in re.findall(r"^\s+(REQUEST_\w+)\s+\(\s*\d+\)\s+count:(\d+)", sdiag(cluster), re.M):
        counts[name] = int(count)
    return {name: counts.get(name, 0) for name in READ_RPCS if counts.get(name)}


async def measure(session: ClusterSession, seconds: float) -> tuple[dict, dict, int]:
    await session.link.start()
    await session.link.wait_connected(30)
    sdiag(session.name, "-r")
    await session.poller.poll_once()
    one_poll = read_rpcs(session.name)
    sdiag(session.name, "-r")
    session.poller.start()
    await asyncio.sleep(seconds)
    await session.poller.stop()
    per_run = read_rpcs(session.name)
    polls = session.poller.polls - 1
    await session.link.close()
    return one_poll, per_run, polls


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=str(LAB / "hpctui.yaml"))
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    config = load_config(args.config)
    sessions = [ClusterSession(c) for c in config.clusters]
    started = time.monotonic()
    results = await asyncio.gather(*(measure(s, args.seconds) for s in sessions))
    minutes = (time.monotonic() - started) / 60
    for session, (one_poll, per_run, polls) in zip(sessions, results, strict=False):
        refresh = session.cluster.refresh
        print(f"{session.name}: one full poll (squeue+sinfo) = {sum(one_poll.values())} RPCs {one_poll}")
        print(
            f"{session.name}: {polls} polls in {args.seconds:.0f} s at queue {refresh.queue_s:g} s / gpus {refresh.gpus_s:g} s"
            f" -> {sum(per_run.values()) / minutes:.1f} RPCs/min {per_run}"
        )
    print("peers (brief): turm 90 RPCs/min, slurmhub 114 RPCs/min; goal <= 10")


if __name__ == "__main__":
    asyncio.run(main())
