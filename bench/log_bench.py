"""Log tail under a flood: a lab job prints 100,000 numbered lines per second for 10 s; hpctui
tails its output over the lab's OpenSSH into a headless app and this prints:

- lines ingested per second (first to last line received) and how long after the job's last
  write the last line was on screen,
- the longest event-loop stall (a 10 ms ticker's worst lateness) and its 99th percentile,
- the peak RSS of this process,
- whether every line arrived, in order, exactly once.

Modes: ``view`` (LogTail into a bare LogView: the ingestion path) and ``screen`` (the whole
LogScreen: view, error hints and metric parsing in a thread, chart off). Needs the lab (lab/up).
Prints; asserts nothing.

    python bench/log_bench.py [--mode view|screen] [--rate 100000] [--seconds 10] [--gc-freeze]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import os
import resource
import shlex
import statistics
import time
from pathlib import Path

from textual.app import App, ComposeResult

from hpctui.config.load import load_config
from hpctui.config.model import Config
from hpctui.services.cluster import ClusterSession
from hpctui.services.logtail import Batch, LineRing, LogTail
from hpctui.ui.screens.log import LogScreen
from hpctui.ui.widgets.log_view import LogView

JOB = Path(__file__).parent / "jobs" / "log_flood.sbatch"
LAB = Path(os.environ.get("HPCTUI_LAB_DIR", "/tmp/hpctui-lab"))


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Order:
    """Checks that lines numbered 1, 2, 3 ... arrive in order, each exactly once."""

    def __init__(self) -> None:
        self.expected = 1
        self.problems = 0
        self.first_at: float | None = None
        self.last_at = 0.0

    def check(self, batch: Batch) -> None:
        now = time.perf_counter()
        self.first_at = self.first_at or now
        self.last_at = now
        for line in batch:
            if int(line[:9]) != self.expected:
                self.problems += 1
                self.expected = int(line[:9])
            self.expected += 1

    def check_ring(self, ring: LineRing, total: int) -> None:
        """For the screen mode, which consumes the batches itself: the ring must end in order."""
        self.expected = total + 1
        self.problems = sum(int(line[:9]) != n for n, line in enumerate(ring, total - len(ring) + 1))


class Ticker:
    """A 10 ms ticker on the event loop; its lateness is how long the loop was busy."""

    def __init__(self) -> None:
        self.lags: list[float] = []

    async def run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.01)
            self.lags.append(time.perf_counter() - start - 0.01)


class ScreenApp(App[None]):
    """A bare app with a config (LogScreen reads log_lines, log_ring and metrics from it)."""

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config


class ViewApp(App[None]):
    def __init__(self, tail: LogTail, order: Order) -> None:
        super().__init__()
        self.tail = tail
        self.order = order

    def compose(self) -> ComposeResult:
        yield LogView(self.tail.lines)

    def on_mount(self) -> None:
        self.query_one(LogView).focus()
        self.run_worker(self.follow())

    async def follow(self) -> None:
        view = self.query_one(LogView)
        async for batch in self.tail.batches():
            self.order.check(batch)
            view.sync(batch, batch.partial)


async def submit(session: ClusterSession, rate: int, seconds: float) -> str:
    logs = f"{session.cluster.project_dir or '~'}/logs"
    command = (
        f"mkdir -p {shlex.quote(logs)} && cd {shlex.quote(logs)} && "
        f"sbatch --parsable --job-name=log_bench --output=log_bench_%j.out "
        f"--export=ALL,RATE={rate},SECONDS_TOTAL={seconds:g}"
    )
    result = await session.link.run(command, input=JOB.read_text())
    if not result.ok:
        raise SystemExit(f"sbatch failed: {result.stderr.strip()}")
    return result.stdout.strip().split(";")[0]


async def running_stdout(session: ClusterSession, job_id: str) -> str:
    while True:
        details = await session.job_details(job_id)
        if details.state in ("RUNNING", "COMPLETING", "COMPLETED") and details.stdout:
            return details.stdout
        await asyncio.sleep(0.2)


async def bench(args: argparse.Namespace) -> None:
    config = load_config(args.config)
    session = ClusterSession(config.cluster(args.cluster))
    await session.link.start()
    await session.link.wait_connected(30)
    total = int(args.rate * args.seconds)
    job_id = await submit(session, args.rate, args.seconds)
    try:
        path = await running_stdout(session, job_id)
        order, ticker = Order(), Ticker()
        wall = time.perf_counter()
        if args.mode == "view":
            tail = LogTail(session.link, path, last_lines=None, ring=args.ring)
            app: App[None] = ViewApp(tail, order)
            lines = lambda: tail.lines  # noqa: E731
            finished = lambda: order.expected > total  # noqa: E731  (every batch consumed)
        else:
            # last lines = every line, so that "every line once, in order" can be checked
            app = ScreenApp(dataclasses.replace(config, log_lines=total, log_ring=args.ring))
            screen = LogScreen(session, job_id)
            lines = lambda: screen.tail.lines if screen.tail else LineRing(1)  # noqa: E731
            finished = lambda: lines().total >= total  # noqa: E731
        async with app.run_test(size=(160, 48)) as pilot:
            if args.mode == "screen":
                app.push_screen(screen)
            if args.gc_freeze:  # what an app-wide gc.freeze() after start-up would give
                await pilot.pause()
                gc.freeze()
            ticking = asyncio.create_task(ticker.run())
            deadline = time.perf_counter() + args.seconds * 6 + 30
            while not finished() and time.perf_counter() < deadline:
                await pilot.pause(0.1)
            done = time.perf_counter()
            ticking.cancel()
            if args.mode == "screen":
                order.first_at, order.last_at = wall, done
                order.check_ring(lines(), lines().total)
        report(args, order, ticker, lines(), total, done - wall)
    finally:
        await session.link.run(f"scancel {shlex.quote(job_id)}")
        await session.link.close()


def report(args: argparse.Namespace, order: Order, ticker: Ticker, ring: LineRing, total: int, elapsed: float) -> None:
    got = ring.total
    span = (order.last_at - order.first_at) if order.first_at else 0.0
    lags = sorted(ticker.lags) or [0.0]
    p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
    frozen = " (gc frozen after start-up)" if args.gc_freeze else ""
    print(f"mode {args.mode}{frozen}: job printed {total:,} lines ({args.rate:,}/s for {args.seconds:g} s)")
    print(f"  received {got:,} lines in {span:.2f} s from first to last: {got / span if span else 0:,.0f} lines/s")
    print(f"  last line on screen {elapsed:.2f} s after the tail opened (job: {args.seconds:g} s of output)")
    print(
        f"  event loop: longest stall {lags[-1] * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, median {statistics.median(lags) * 1000:.1f} ms"
    )
    print(f"  peak RSS {peak_rss_mib():.0f} MiB (ring {args.ring:,} lines)")
    complete = got == total and order.problems == 0 and order.expected == total + 1
    print(f"  every line once and in order: {'yes' if complete else f'NO ({order.problems} out of place)'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("view", "screen"), default="view")
    parser.add_argument("--rate", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--ring", type=int, default=100_000)
    parser.add_argument("--cluster", default="alpha")
    parser.add_argument("--gc-freeze", action="store_true", help="gc.freeze() once the app has started")
    parser.add_argument("--config", default=str(LAB / "hpctui.yaml"))
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
