"""Log tails against the lab: real Slurm jobs writing real files behind real OpenSSH."""

from __future__ import annotations

import asyncio
import random
import subprocess
import time

import pytest
from tail_helpers import tailing
from test_actions_support import JOBS, LabJobs
from test_logtail_support import jobs, session  # noqa: F401 (fixtures)
from textual.app import App

from hpctui.services.cluster import ClusterSession
from hpctui.services.logtail import LogTail
from hpctui.services.metrics import MetricParser
from hpctui.ui.screens.log import LogScreen
from hpctui.ui.widgets.log_view import LogView
from hpctui.ui.widgets.metrics_chart import MetricsChart

pytestmark = pytest.mark.lab


def submit(jobs: LabJobs, script: str, output: str, **env: str) -> str:
    """Copy tests/lab/jobs/SCRIPT to a fresh directory and submit it there."""
    work = jobs.new_dir()
    jobs.put(f"{work}/{script}", (JOBS / script).read_text())
    exports = ",".join(["ALL", *(f"{k}={v}" for k, v in env.items())])
    return jobs.submit(f"--output={output}", f"--export={exports}", script, cwd=work)


async def stdout_of(session: ClusterSession, job_id: str) -> str:
    details = await session.job_details(job_id)
    assert details.stdout is not None
    return details.stdout


async def wait_state(jobs: LabJobs, job_id: str, states: set[str], timeout: float = 60) -> None:
    async with asyncio.timeout(timeout):
        while not set(jobs.squeue(job_id)) & states:
            await asyncio.sleep(0.3)


async def until(predicate, timeout: float = 60) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.05)


async def test_new_lines_of_a_running_job_appear_within_two_seconds(jobs, session):
    job_id = submit(jobs, "log_ticker.sbatch", "%x_%j.out", TICKS="24", TICK_S="0.25")
    await wait_state(jobs, job_id, {"RUNNING", "COMPLETING", "COMPLETED"})
    tail = LogTail(session.link, await stdout_of(session, job_id), last_lines=1000)
    delays: list[float] = []

    def on_batch(batch):
        arrived = time.time()
        delays.extend(arrived - float(line.rsplit(" ", 1)[1]) for line in batch if line.startswith("tick "))

    async with tailing(tail, on_batch):
        await until(lambda: tail.lines.total >= 24)
    assert [line.split()[1] for line in tail.lines] == [str(n) for n in range(1, 25)]
    live = delays[-12:]  # the second half was surely written while we followed
    assert max(live) < 2.0, f"lines arrived {max(live):.2f} s after they were written"


async def test_chart_values_equal_what_the_job_printed(jobs, session):
    losses = [round(random.uniform(0.01, 5.0), 4) for _ in range(30)]
    job_id = submit(jobs, "log_metrics.sbatch", "metrics_%j.out", LOSSES=":".join(map(str, losses)), STEP_S="0.05")
    await wait_state(jobs, job_id, {"RUNNING", "COMPLETING", "COMPLETED"})
    tail = LogTail(session.link, await stdout_of(session, job_id))
    parser = MetricParser()
    async with tailing(tail, lambda batch: parser.feed(batch, batch.first, time.time())):
        await until(lambda: "done" in tail.lines)
    series = parser.series["loss"]
    assert series.xy() == ([10.0 * n for n in range(1, 31)], losses)
    assert series.latest == losses[-1] and series.best == min(losses)
    assert (parser.progress.epoch, parser.progress.epoch_total) == (30, 30)


def client_port(session: ClusterSession) -> tuple[int, int]:
    """(local port of our connection, sshd's port): identifies our TCP connection, and only ours."""
    conn = session.link._conn  # the one asyncssh connection of the link
    assert conn is not None
    return conn.get_extra_info("sockname")[1], conn.get_extra_info("peername")[1]


def kill_connection(session: ClusterSession) -> None:
    """Destroy sshd's side of our TCP connection in the kernel (a real drop: the client gets a RST)."""
    ours, sshd = client_port(session)
    answer = subprocess.run(
        ["ss", "-K", "-t", "src", "127.0.0.1", "sport", "=", f":{sshd}", "dst", "127.0.0.1", "dport", "=", f":{ours}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert answer.returncode == 0 and f":{ours}" in answer.stdout, answer.stdout + answer.stderr


async def test_killing_the_connection_mid_tail_loses_and_repeats_nothing(jobs, session):
    lines = 30_000
    job_id = submit(jobs, "log_numbers.sbatch", "numbers_%j.out", LINES=str(lines), BURST="100", PAUSE_S="0.05")
    await wait_state(jobs, job_id, {"RUNNING", "COMPLETING", "COMPLETED"})
    tail = LogTail(session.link, await stdout_of(session, job_id), last_lines=lines, ring=lines)
    received: list[str] = []
    async with tailing(tail, received.extend):
        for kills, fraction in enumerate((0.2, 0.45, 0.7)):  # the job writes for about 15 s
            await until(lambda: tail.lines.total > fraction * lines and tail.status == "following")
            kill_connection(session)
            await until(lambda: tail.reconnects > kills, timeout=30)
        await until(lambda: tail.lines.total >= lines, timeout=120)
    assert tail.reconnects >= 3
    assert received == [str(n) for n in range(1, lines + 1)]
    assert list(tail.lines) == received


async def test_a_finished_jobs_log_opens(jobs, session):
    job_id = submit(jobs, "log_numbers.sbatch", "done_%j.out", LINES="1500", BURST="1500", PAUSE_S="0")
    await wait_state(jobs, job_id, {"COMPLETED"})
    tail = LogTail(session.link, await stdout_of(session, job_id), last_lines=1000)
    async with tailing(tail):
        await until(lambda: tail.lines.total == 1000 and tail.status == "following")
        await asyncio.sleep(1.0)  # following a finished job's file is harmless
    assert list(tail.lines) == [str(n) for n in range(501, 1501)]
    assert tail.offset == sum(len(f"{n}\n") for n in range(1, 1501))


async def test_a_log_path_with_spaces(jobs, session):
    job_id = submit(jobs, "log_ticker.sbatch", "log with spaces %j 'quoted'.out", TICKS="3", TICK_S="0.1")
    await wait_state(jobs, job_id, {"COMPLETED"})
    path = await stdout_of(session, job_id)
    assert " " in path and "'" in path
    tail = LogTail(session.link, path)
    async with tailing(tail):
        await until(lambda: tail.lines.total == 3)
    assert [line.split()[:2] for line in tail.lines] == [["tick", "1"], ["tick", "2"], ["tick", "3"]]


async def test_log_screen_on_a_real_job_shows_its_lines_and_metrics(jobs, session):
    losses = [round(random.uniform(0.01, 5.0), 4) for _ in range(20)]
    job_id = submit(jobs, "log_metrics.sbatch", "screen_%j.out", LOSSES=":".join(map(str, losses)), STEP_S="0.1")
    await wait_state(jobs, job_id, {"RUNNING", "COMPLETING", "COMPLETED"})
    app = App()
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(LogScreen(session, job_id))
        await pilot.pause()
        screen = app.screen
        await until(lambda: screen.tail is not None and "done" in screen.tail.lines)
        await pilot.press("m")
        chart = screen.query_one(MetricsChart)
        await until(lambda: chart.plotted() == ["loss"])
        view = screen.query_one(LogView)
        rows = [view.render_line(y).text.rstrip() for y in range(view.scrollable_content_region.height)]
        assert [row for row in rows if row][-2:] == [f"epoch 20/20 step 200 loss={losses[-1]}", "done"]
        assert screen.parser.series["loss"].xy() == ([10.0 * n for n in range(1, 21)], losses)
        assert f"loss {losses[-1]:.6g}  best {min(losses):.6g}" in str(chart.query_one("#metrics-summary").render())
