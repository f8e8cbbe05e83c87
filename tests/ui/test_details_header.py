"""The details screen's header: a running job's elapsed time ticks on from scontrol's RunTime; a part with
nothing to say leaves no empty slot between the separators."""

from __future__ import annotations

import ui_fakes
from test_queue_layout import sacct_row
from textual.widgets import Static
from waiting import wait_for

from hpctui.slurm.commands import sacct_command
from hpctui.ssh.types import Result
from hpctui.ui.app import HpcApp
from hpctui.ui.screens.details import TICK_S, JobDetailsScreen, job_summary


async def test_the_headers_elapsed_time_ticks_from_run_time() -> None:
    now = [ui_fakes.NOW]
    workspace = ui_fakes.workspace()
    workspace.session("alpha").details["1001"] = ui_fakes.details_1001()  # RunTime=01:06:40
    app = HpcApp(workspace.config, workspace, clock=lambda: now[0])
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert isinstance(app.screen, JobDetailsScreen)
        summary = app.screen.query_one("#summary", Static)
        assert "RUNNING" in str(summary.render()) and "1:06:40 / 1-00:00:00" in str(summary.render())
        now[0] += 11
        await wait_for(pilot, lambda: "1:06:40" not in str(summary.render()), step=TICK_S / 2)  # the next tick
        assert "1:06:51 / 1-00:00:00" in str(summary.render())


def test_the_header_of_a_job_with_no_reason_or_nodes_has_no_empty_slot() -> None:
    starting = ui_fakes.job("7", nodelist="", reason="None")  # started; squeue lists no nodes yet
    assert job_summary(starting).plain == "RUNNING  10:00 / 1:00:00  ·  partition gpu"
    assert job_summary(ui_fakes.pending("8")).plain == "PENDING  Resources  ·  0:00 / 1:00:00  ·  partition gpu"


async def test_a_job_slurm_no_longer_holds_shows_how_it_ended_from_accounting(make_app) -> None:
    """Opened from a notification after the controller forgot the job (MinJobAge): the header
    says how accounting saw it end, and the error says where to look instead of only Slurm's
    "Invalid job id specified"."""
    app = make_app()
    alpha = app.workspace.session("alpha")
    command = sacct_command(job_ids=["9009"])
    alpha.link.answers[command] = Result(command, 0, sacct_row("9009", "FAILED", "1:0"), "")
    async with app.run_test(size=(120, 30)) as pilot:
        await app.push_screen(JobDetailsScreen(alpha, "9009", None, app.clock))
        summary = app.screen.query_one("#summary", Static)
        header = await wait_for(pilot, lambda: str(summary.render()) or None)
        assert header == "FAILED  exit code 1:0  ·  0:01 / 1:00:00  ·  partition gpu"
        error = str(app.screen.query_one("#error", Static).render())
        assert "controller does not hold job 9009" in error and "p looks for it in accounting" in error
        assert "Invalid job id specified" in error  # Slurm's own words stay
