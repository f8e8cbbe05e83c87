"""The queue table at 80, 160 and 240 columns, its status line, finished rows and job arrays
(issue 16 items 11 and 12, issue 11 item 3), driven by keys on deterministic data."""

from __future__ import annotations

import dataclasses

from textual.widgets import Static
from ui_fakes import NOW, alpha_jobs, details_1001, job, pending, snapshot, without

from hpctui.slurm.commands import sacct_command
from hpctui.slurm.formats import SACCT_FIELDS
from hpctui.ssh.types import Result
from hpctui.ui.dialogs.confirm import ConfirmDialog
from hpctui.ui.flows import job_summary
from hpctui.ui.screens.details import JobDetailsScreen
from hpctui.ui.widgets.job_table import JobTable
from hpctui.ui.widgets.status_line import StatusLine


def line(t: JobTable, row: int) -> str:
    return t.render_line(row).text


def header(t: JobTable) -> str:
    return line(t, 0)


async def test_at_80_columns_id_name_and_state_stay_and_an_empty_gpu_column_goes(make_app) -> None:
    no_gpus = tuple(j._replace(gpus=0) for j in alpha_jobs())
    app = make_app(alpha_snapshot=snapshot("alpha", no_gpus))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        t = app.screen.query_one(JobTable)
        assert all(title in header(t) for title in ("JobID", "Name", "State"))
        assert "GPUs" not in header(t)
        assert "finetune-llama" in line(t, 2)  # the name is not cut
        assert all(len(line(t, y).rstrip()) <= 80 for y in range(8))


async def test_at_80_columns_the_queue_shows_how_many_gpus_a_job_has(make_app) -> None:
    """The GPUs column went first at 80 columns, before the partition or the name gave up a
    cell: no row said how many GPUs a job had."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        t = app.screen.query_one(JobTable)
        gpus_end = header(t).index("GPUs") + len("GPUs")  # a right-aligned column of 6 cells
        row = line(t, 1 + t.model.index[("alpha", "1005")])
        assert "1005" in row and row[gpus_end - 6 : gpus_end].strip() == "16"
        assert all(len(line(t, y).rstrip()) <= 80 for y in range(8))


async def test_at_240_columns_the_columns_stay_together_and_the_sort_arrow_is_whole(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(240, 40)) as pilot:
        await pilot.pause()
        t = app.screen.query_one(JobTable)
        assert header(t).index("Start (exp.)") < 140
        for _ in range(len(t.model.columns)):
            await pilot.press("o")
            assert "▲" in header(t)


async def test_sort_ties_break_by_ascending_job_id_both_ways(make_app) -> None:
    jobs = tuple(job(str(2000 + i), partition="gpu" if i % 2 else "cpu") for i in range(6))
    app = make_app(alpha_snapshot=snapshot("alpha", tuple(reversed(jobs))))
    async with app.run_test(size=(160, 30)) as pilot:
        t = app.screen.query_one(JobTable)
        await pilot.press("o")  # partition
        assert [r.job.job_id for r in t.model.rows] == ["2000", "2002", "2004", "2001", "2003", "2005"]
        await pilot.press("O")
        assert [r.job.job_id for r in t.model.rows] == ["2001", "2003", "2005", "2000", "2002", "2004"]


def sacct_row(job_id: str, state: str, exit_code: str) -> str:
    fields = [job_id, "held", "gpu", "00:00:01", "01:00:00", "", "", state, exit_code, "", "", "/home/hpcuser"]
    return "\x1f".join(fields + [""] * (len(SACCT_FIELDS) - len(fields))) + "\n"


async def test_a_finished_job_shows_how_it_ended_not_why_it_waited(make_app) -> None:
    app = make_app()
    alpha = app.workspace.session("alpha")
    command = sacct_command(job_ids=["1004", "1005"])  # one sacct for the jobs that left
    lagging = Result(command, 0, sacct_row("1004", "RUNNING", "0:0"), "")  # accounting lags the controller
    alpha.link.answers[command] = lagging
    async with app.run_test(size=(160, 30)) as pilot:
        t = app.screen.query_one(JobTable)
        left = without(alpha.poller.latest, "1004", "1005")  # they left the queue while pending
        alpha.poller.set(left)
        await pilot.pause(0.2)
        finished = [line(t, y) for y in range(t.model.n_active + 2, t.model.n_active + 4)]
        assert all("ENDED" in text for text in finished)
        assert not any(reason in text for text in finished for reason in ("Priority", "JobHeldUser", "05-30"))
        alpha.link.answers[command] = Result(command, 0, sacct_row("1004", "FAILED", "1:0"), "")
        unknown = sacct_command(job_ids=["1005"])  # asked alone once the notices' sacct kept 1004's end
        alpha.link.answers[unknown] = Result(unknown, 0, "", "")
        alpha.poller.set(dataclasses.replace(left, jobs_at=NOW))  # the next poll asks again
        await pilot.pause(0.2)
        finished = [line(t, y) for y in range(t.model.n_active + 2, t.model.n_active + 4)]
        assert "FAILED 1:0" in next(text for text in finished if "1004" in text)
        assert "ENDED" in next(text for text in finished if "1005" in text)  # accounting does not know it


async def test_jobs_squeue_shows_completed_or_cancelled_are_not_asked_about(make_app) -> None:
    done = (job("1100")._replace(state="COMPLETED"), job("1101")._replace(state="CANCELLED"))
    app = make_app(alpha_snapshot=snapshot("alpha", alpha_jobs() + done))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        t = app.screen.query_one(JobTable)
        assert t.model.unexplained() == []


async def test_the_status_line_counts_queued_jobs_and_fits_one_line_at_80(make_app) -> None:
    ended = (job("1100")._replace(state="CANCELLED"), job("1101")._replace(state="CANCELLED"))
    app = make_app(alpha_snapshot=snapshot("alpha", alpha_jobs() + ended))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        status = app.screen.query_one(StatusLine)
        text = str(status.render())
        assert "cancelled" not in text and "4 running" in text
        assert status.size.height == 1 and len(text) <= 78
        t = app.screen.query_one(JobTable)
        assert "recently finished, last 10 min: 2 (2 cancelled)" in line(t, t.model.n_active + 1)


async def test_an_array_is_one_row_that_enter_unfolds_and_cancel_takes_whole(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:
        t = app.screen.query_one(JobTable)
        await pilot.press("j", "j")
        row = line(t, 3)
        assert row.startswith(" ▸") and "1003 " in row and "sweep [1-8]" in row and "1 R · 1 CG · 6 PD" in row
        await pilot.press("enter")
        assert [r.job.job_id for r in t.model.rows[2:6]] == ["1003", "1003_1", "1003_2", "1003_[3-8]"]
        assert line(t, 3).startswith(" ▾")
        await pilot.press("j", "space", "space")  # two tasks
        assert [r.job.job_id for r in t.targets()] == ["1003_1", "1003_2"]
        await pilot.press("left")  # folds the array under the cursor's task; the cursor goes to it
        assert t.cursor_row.job.job_id == "1003" and len(t.model.rows) == 6
        await pilot.press("space", "c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.commands == app.workspace.session("alpha").actions.plan("cancel", ["1003"]).commands
        summary = [str(w.render()) for w in app.screen.query(".job").results(Static)]
        assert summary == ["1003  sweep  the whole array: 8 tasks in the queue"]
        await pilot.press("n")


def test_an_array_with_one_task_left_says_one_task() -> None:
    jobs = {"1300_4": pending("1300_4", name="last")}
    assert job_summary(jobs, ("1300",)) == ["1300  last  the whole array: 1 task in the queue"]


async def test_filter_and_sort_keep_arrays_whole(make_app) -> None:
    jobs = (*alpha_jobs(), *(pending(f"1200_{i}", name="other") for i in range(1, 4)))
    app = make_app(alpha_snapshot=snapshot("alpha", jobs))
    async with app.run_test(size=(160, 30)) as pilot:
        t = app.screen.query_one(JobTable)
        await pilot.press("slash", *"sweep", "enter")
        assert [r.job.job_id for r in t.model.rows] == ["1003"]
        assert "filter 'sweep': 3 of 11 jobs" in str(app.screen.query_one(StatusLine).render())  # its tasks
        await pilot.press("escape", "O")
        assert [r.job.job_id for r in t.model.rows][:2] == ["1200", "1006"]


async def test_the_details_header_and_runtime_say_the_same(make_app) -> None:
    app = make_app()
    details = details_1001()
    details.fields["RunTime"] = "01:07:30"
    app.workspace.session("alpha").details["1001"] = details
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, JobDetailsScreen)
        assert "1:07:30 / 1-00:00:00" in str(app.screen.query_one("#summary").render())
        assert NOW  # the clock is fixed: nothing here depends on the time
