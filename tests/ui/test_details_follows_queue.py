"""The details screen's header follows the poller: a job that ends while it is open shows its
end (squeue's state, or accounting's once it left the queue) and its clock stops."""

from __future__ import annotations

import dataclasses

import ui_fakes
from test_queue_layout import sacct_row
from textual.widgets import Static

from hpctui.slurm.commands import sacct_command
from hpctui.ssh.types import Result
from hpctui.ui.app import HpcApp
from hpctui.ui.screens.details import JobDetailsScreen


def header(app: HpcApp) -> str:
    return str(app.screen.query_one("#summary", Static).render())


async def test_a_job_squeue_shows_ended_stops_the_header_clock() -> None:
    now = [ui_fakes.NOW]
    workspace = ui_fakes.workspace()
    alpha = workspace.session("alpha")
    app = HpcApp(workspace.config, workspace, clock=lambda: now[0])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("enter")  # 1001, RUNNING 1:06:40 in squeue
        await pilot.pause(0.1)
        assert isinstance(app.screen, JobDetailsScreen) and "RUNNING" in header(app)
        done = alpha.poller.latest.job("1001")._replace(state="COMPLETED", time_used_s=4025)
        jobs = tuple(done if j.job_id == "1001" else j for j in alpha.poller.latest.jobs)
        alpha.poller.set(ui_fakes.snapshot("alpha", jobs, at=ui_fakes.NOW + 5))
        await pilot.pause(0.1)
        now[0] += 30
        await pilot.pause(1.2)  # a tick or more
        assert "COMPLETED" in header(app) and "1:07:05 /" in header(app)


async def test_a_job_that_left_the_queue_shows_how_accounting_says_it_ended() -> None:
    now = [ui_fakes.NOW]
    workspace = ui_fakes.workspace()
    alpha = workspace.session("alpha")
    command = sacct_command(alpha.cluster.queue_user, job_ids=["1001"])
    row = sacct_row("1001", "CANCELLED by 1001", "0:0").replace("00:00:01", "01:06:50", 1)
    alpha.link.answers[command] = Result(command, 0, row, "")
    app = HpcApp(workspace.config, workspace, clock=lambda: now[0])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, JobDetailsScreen) and "RUNNING" in header(app)
        alpha.poller.set(dataclasses.replace(ui_fakes.without(alpha.poller.latest, "1001"), jobs_at=ui_fakes.NOW + 5))
        await pilot.pause(0.2)
        now[0] += 30
        await pilot.pause(1.2)
        assert "CANCELLED" in header(app) and "1:06:50 /" in header(app)
