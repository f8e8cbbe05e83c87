"""slurmctld RPCs caused by hpctui's polling, read from `sdiag` (run as root, beside the lab).

Prints, per cluster: RPCs of one full poll (squeue + sinfo), then RPCs per minute while the
real Poller runs for --seconds (default: two minutes) in each state: looked at (the configured
refresh) and nobody looking (the idle pace: another tab, the terminal unfocused, idle keyboard).
Peers for comparison (same measure, published in the project brief): turm 90/min, slurmhub 114/min.
Other users of the same lab add to the counts: run it on a quiet lab.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
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


async def measure(session: ClusterSession, seconds: float) -> tuple[dict[str, int], dict[bool, dict[str, int]]]:
    """RPCs of one full poll, and of ``seconds`` of polling watched and then unwatched."""
    await session.link.start()
    await session.link.wait_connected(30)
    sdiag(session.name, "-r")
    await session.poller.poll_once()
    one_poll = read_rpcs(session.name)
    runs = {}
    session.poller.start()
    for watched in (True, False):
        session.poller.set_watched(watched)
        await asyncio.sleep(1.0)  # the poll that a change of pace may trigger is not counted
        sdiag(session.name, "-r")
        await asyncio.sleep(seconds)
        runs[watched] = read_rpcs(session.name)
    await session.poller.stop()
    await session.link.close()
    return one_poll, runs


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=str(LAB / "hpctui.yaml"))
    parser.add_argument("--seconds", type=float, default=120.0)
    args = parser.parse_args()
    config = load_config(args.config)
    sessions = [ClusterSession(c) for c in config.clusters]
    results = await asyncio.gather(*(measure(s, args.seconds) for s in sessions))
    minutes = args.seconds / 60
    for session, (one_poll, runs) in zip(sessions, results, strict=True):
        refresh = session.cluster.refresh
        print(f"{session.name}: one full poll (squeue+sinfo) = {sum(one_poll.values())} RPCs {one_poll}")
        for watched, label, queue_s, gpus_s in (
            (True, "on screen", refresh.queue_s, refresh.gpus_s),
            (False, "nobody looking", refresh.idle_queue_s, refresh.idle_gpus_s),
        ):
            rpcs = runs[watched]
            print(
                f"{session.name}: {label:>14} (queue {queue_s:g} s / gpus {gpus_s:g} s): "
                f"{sum(rpcs.values()) / minutes:.1f} RPCs/min over {args.seconds:.0f} s {rpcs}"
            )
    print("peers (brief): turm 90 RPCs/min, slurmhub 114 RPCs/min; goals: <= 10 on screen, <= 3 nobody looking")


if __name__ == "__main__":
    asyncio.run(main())
