"""The "recently finished" group of the cluster tab and the Overview never shows a live state
nor a pending reason: squeue's end state, else accounting's, else ENDED (ENDED? while
accounting could not be asked)."""

from __future__ import annotations

import dataclasses

from test_queue_layout import sacct_row
from ui_fakes import NOW, alpha_jobs, job, pending, snapshot, without

from hpctui.slurm.commands import sacct_command
from hpctui.ssh.types import Result
from hpctui.ui.columns import state_text
from hpctui.ui.widgets.job_table import JobTable

LIVE = ("RUNNING", "PENDING", "Dependency", "JobHeldUser", "Priority")


def finished_lines(t: JobTable) -> list[str]:
    first = t.model.n_active + 2  # the header, the queued rows, the separator
    return [t.render_line(y).text for y in range(first, first + t.model.n_finished)]


def line_of(lines: list[str], job_id: str) -> str:
    """The line of ``job_id``; empty when there is none."""
    return next((text for text in lines if f" {job_id} " in text), "")


async def test_the_overview_and_the_tab_show_how_jobs_ended_never_how_they_waited(make_app) -> None:
    chain = (job("3001", time_limit_s=7200, time_used_s=8), pending("3002", reason="Dependency"))
    held = tuple(pending(f"3003_{n}", reason="JobHeldUser") for n in (1, 2, 3))
    app = make_app(alpha_snapshot=snapshot("alpha", alpha_jobs() + chain + held))
    alpha = app.workspace.session("alpha")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("0")  # the overview has seen them queued
        await pilot.pause()
        await pilot.press("1")
        rest = pending("3003", reason="JobHeldUser")._replace(state="CANCELLED")
        ended = (chain[0]._replace(state="COMPLETED"), rest, job("3003_2"))
        alpha.poller.set(snapshot("alpha", alpha_jobs() + ended, at=NOW + 15))  # 3002 is gone, sshd down
        await pilot.pause(0.2)
        for key, pane in (("0", "#overview"), ("1", "#cluster-alpha")):
            await pilot.press(key)
            await pilot.pause(0.2)
            t = app.screen.query_one(f"{pane} JobTable", JobTable)
            lines = finished_lines(t)
            assert "COMPLETED" in line_of(lines, "3001") and "ENDED?" in line_of(lines, "3002")
            assert not any(live in text for text in lines for live in LIVE)
            t.model.toggle_expanded(("alpha", "3003"))
            states = {row.job.job_id: state_text(row) for row in t.model.rows if row.job.job_id.startswith("3003_")}
            assert states == {"3003_2": "RUNNING", "3003_1": "CANCELLED", "3003_3": "CANCELLED"}

        command = sacct_command(job_ids=["3002"])
        alpha.link.answers[command] = Result(command, 0, sacct_row("3002", "CANCELLED by 1001", "0:0"), "")
        alpha.poller.set(snapshot("alpha", alpha_jobs() + ended, at=NOW + 30))  # the link is back
        await pilot.press("0")
        await pilot.pause(0.2)
        assert "CANCELLED" in line_of(finished_lines(app.screen.query_one("#overview JobTable", JobTable)), "3002")


async def test_a_job_that_ended_while_the_link_was_down_is_asked_once_it_is_back(make_app) -> None:
    app = make_app()
    alpha = app.workspace.session("alpha")
    async with app.run_test(size=(160, 40)) as pilot:
        t = app.screen.query_one(JobTable)
        gone = without(alpha.poller.latest, "1005")
        for poll in range(1, 6):  # sacct fails: there is no link
            alpha.poller.set(dataclasses.replace(gone, jobs_at=NOW + poll))
            await pilot.pause(0.1)
            assert "ENDED?" in line_of(finished_lines(t), "1005")
        command = sacct_command(job_ids=["1005"])
        alpha.link.answers[command] = Result(command, 0, sacct_row("1005", "CANCELLED by 1001", "0:0"), "")
        alpha.poller.set(dataclasses.replace(gone, jobs_at=NOW + 10))
        await pilot.pause(0.2)
        assert "CANCELLED" in line_of(finished_lines(t), "1005")


async def test_the_overview_shows_the_jobs_that_ended_while_it_was_hidden_as_the_tab_does(make_app) -> None:
    """A tab that is not shown still takes every snapshot: a job cancelled at 0:31 showed
    "CANCELLED 0:16" in the Overview (the last it saw), and jobs that started and ended while
    it was hidden never appeared there. The Overview and the cluster tab tell the same story."""
    app = make_app(alpha_snapshot=snapshot("alpha", alpha_jobs() + (job("3001", time_used_s=16),)))
    alpha = app.workspace.session("alpha")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("0")  # the overview sees 3001 running at 0:16
        await pilot.pause(0.2)
        await pilot.press("1")  # then the user looks at the alpha tab
        await pilot.pause(0.2)
        last_seen = (job("3001", time_used_s=31, state="COMPLETING"), job("3010", time_used_s=20))
        alpha.poller.set(snapshot("alpha", alpha_jobs() + last_seen, at=NOW + 15))
        await pilot.pause(0.2)
        alpha.poller.set(snapshot("alpha", alpha_jobs(), at=NOW + 30))  # both left the queue
        await pilot.pause(0.2)
        tab_lines = finished_lines(app.screen.query_one("#cluster-alpha JobTable", JobTable))
        assert "0:31 /" in line_of(tab_lines, "3001")
        assert line_of(tab_lines, "3010")
        hidden = app.screen.query_one("#overview JobTable", JobTable)
        assert hidden.model.n_finished == 0  # a hidden tab builds no rows: it does once shown

        await pilot.press("0")
        await pilot.pause(0.2)
        overview_lines = finished_lines(app.screen.query_one("#overview JobTable", JobTable))
        assert "0:31 /" in line_of(overview_lines, "3001"), overview_lines  # showed 0:16
        assert line_of(overview_lines, "3010"), overview_lines  # never shown
