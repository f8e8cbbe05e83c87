"""The details screen's header: a running job's elapsed time ticks on from scontrol's RunTime."""

from __future__ import annotations

import dataclasses

import ui_fakes
from textual.widgets import Static
from waiting import wait_for

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


def test_the_header_of_a_running_job_without_nodes_yet_starts_with_its_time() -> None:
    job = dataclasses.replace(ui_fakes.job("1001", state="RUNNING"), nodelist="", reason="None")
    assert job_summary(job).plain.startswith("RUNNING  10:00 / 1:00:00  ·  partition gpu")
    assert "None" not in job_summary(job).plain
