"""How long a 10,000-job refresh takes to reach the screen, and what the process weighs.

Runs the real app headless at 160x48 on deterministic snapshots (tests/ui/ui_fakes.py) and
times, per refresh, from publishing the snapshot to the end of the next screen update
(``pilot.pause(0)``: every widget of the screen has handled its messages, then the screen's
dirty regions are rendered). A real terminal adds up to one frame (1/60 s) to that.
Goal: <= 100 ms per refresh. Prints; asserts nothing.

    python bench/ui_bench.py [--jobs N] [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
sys.path[:0] = [str(TESTS / "ui"), str(TESTS)]  # ui_fakes, and the fakes' publisher

import ui_fakes as fakes  # noqa: E402

from hpctui.ui.app import HpcApp  # noqa: E402
from hpctui.ui.widgets.job_table import JobTable  # noqa: E402


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def changed(jobs: tuple, step: int) -> tuple:
    """Every running job one poll older, 1 % gone, 1 % new, a few started: all new objects."""
    kept = [j for i, j in enumerate(jobs) if (i + step) % 100]
    fresh = fakes.big_jobs(len(jobs) - len(kept), start=900_000 + step * 10_000)
    aged = [
        j._replace(time_used_s=(j.time_used_s or 0) + 15)
        if j.state == "RUNNING"
        else j._replace(state="RUNNING", reason="None", nodelist="a1")
        if i % 50 == 0
        else j
        for i, j in enumerate(kept)
    ]
    return tuple(aged) + fresh


async def timed(pilot, act) -> tuple[float, float]:
    """Wall and CPU milliseconds from ``act()`` to the end of the next screen update
    (CPU time shows the cost when other processes share the machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    act()
    await pilot.pause(0)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def show(label: str, wall: float, cpu: float) -> None:
    print(f"{label:<44} {wall:7.1f} ms wall {cpu:7.1f} ms cpu")


async def run(count: int, repeat: int) -> None:
    workspace = fakes.workspace(alpha_snapshot=fakes.snapshot("alpha", ()))
    app = HpcApp(workspace.config, workspace, clock=lambda: fakes.NOW)
    poller = workspace.session("alpha").poller
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(JobTable)
        jobs = fakes.big_jobs(count)
        print(f"rss before: {rss_mib():.0f} MiB")
        show(
            f"first {count:,}-job snapshot on screen",
            *await timed(pilot, lambda: poller.set(fakes.snapshot("alpha", jobs))),
        )
        table.move_cursor(count // 2)
        await pilot.pause()
        walls, cpus = [], []
        for step in range(1, repeat + 1):
            jobs = changed(jobs, step)
            snap = fakes.snapshot("alpha", jobs, at=fakes.NOW + step)
            wall, cpu = await timed(pilot, lambda: poller.set(snap))
            walls.append(wall)
            cpus.append(cpu)
        show(f"refresh with changes, median of {repeat}", statistics.median(walls), statistics.median(cpus))
        show("refresh with changes, worst", max(walls), max(cpus))
        print(f"  rows {len(table.model.rows):,}, recently finished {table.model.n_finished}")
        show("sort by the next column (o)", *await timed(pilot, table.action_sort))
        show("page down", *await timed(pilot, table.action_page_down))
        show("cursor down", *await timed(pilot, table.action_cursor_down))
        print(
            f"rss after: {rss_mib():.0f} MiB (peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.jobs, args.repeat))


if __name__ == "__main__":
    main()
