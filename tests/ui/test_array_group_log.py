"""`l` on an array's group row ("arr [1-4]  2 R · 2 PD") or on its pending rest. scontrol's
record of the array's pending rest carries Slurm's NO_VAL (4294967294) where the task id goes
(``slurm-13467_4294967294.out``, seen on the lab): a file that never exists. The group's log
is its first running task's (else the task that started last); pending tasks have none yet."""

from __future__ import annotations

from pathlib import Path

from tail_helpers import link, served, server  # noqa: F401 (fixtures)
from test_log import Logs, until
from ui_fakes import alpha_jobs, job, pending, snapshot

from hpctui.services.jobinfo import JobDetails
from hpctui.slurm.errors import SlurmError
from hpctui.slurm.models import Job
from hpctui.ui.job_actions import JobActions
from hpctui.ui.screens.log import LogScreen

NO_VAL = "4294967294"


def array_logs(tmp_path: Path, link, array: tuple[Job, ...]) -> Logs:
    """Array 3003 in alpha's queue, scontrol's records of its pending rest and of its tasks 1 and 2."""
    logs = Logs(tmp_path, link, alpha_snapshot=snapshot("alpha", alpha_jobs() + array))
    rest = str(tmp_path / f"slurm-3003_{NO_VAL}.out")  # as scontrol shows job 3003 (the rest)
    fields = {"ArrayJobId": "3003", "ArrayTaskId": "2-3%1", "StdOut": rest, "StdErr": rest, "WorkDir": str(tmp_path)}
    logs.session.details["3003"] = JobDetails("alpha", "3003", fields)
    for task in ("1", "2"):
        path = str(tmp_path / f"slurm-3003_{task}.out")
        task_fields = {"ArrayJobId": "3003", "ArrayTaskId": task, "StdOut": path, "StdErr": path}
        logs.session.details[f"3003_{task}"] = JobDetails(
            "alpha", f"3003_{task}", task_fields | {"WorkDir": str(tmp_path)}
        )
    return logs


def status(logs: Logs) -> str:
    return str(logs.app.screen.query_one("#log-status").render())


def title(logs: Logs) -> str:
    return str(logs.app.screen.query_one("#log-title").render())


async def test_l_on_an_array_group_row_opens_a_log_that_can_exist(tmp_path, link) -> None:
    array = (job("3003_1"), pending("3003_[2-3]", reason="JobArrayTaskLimit"))
    logs = array_logs(tmp_path, link, array)
    async with logs.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("G")  # the last queued row: the array's group row (folded)
        await pilot.pause()
        await pilot.press("l")
        await until(pilot, lambda: isinstance(logs.app.screen, LogScreen))
        await pilot.pause(0.5)
        assert NO_VAL not in title(logs), title(logs)
        assert "job 3003_1 · stdout" in title(logs) and "slurm-3003_1.out" in title(logs)  # the running task's


async def test_a_group_without_a_running_task_shows_the_task_that_ran_last(tmp_path, link) -> None:
    ran = (job("3003_1", state="COMPLETED", start_time="2024-05-30T08:00:00"),
           job("3003_2", state="FAILED", start_time="2024-05-30T08:30:00"))  # fmt: skip
    logs = array_logs(tmp_path, link, (*ran, pending("3003_[3-4]", reason="JobArrayTaskLimit")))
    async with logs.app.run_test(size=(120, 40)) as pilot:
        logs.app.post_message(JobActions.LogRequested(logs.session, "3003", "stdout"))
        await until(pilot, lambda: isinstance(logs.app.screen, LogScreen) and "slurm-3003_" in title(logs))
        assert "job 3003_2 · stdout" in title(logs) and NO_VAL not in title(logs)


async def test_an_array_whose_tasks_all_wait_says_they_have_no_log_yet(tmp_path, link) -> None:
    logs = array_logs(tmp_path, link, (pending("3003_[1-3]", reason="JobArrayTaskLimit"),))
    async with logs.app.run_test(size=(120, 40)) as pilot:
        for asked in ("3003", "3003_[1-3]"):  # the group row, the unfolded pending rest's row
            logs.app.post_message(JobActions.LogRequested(logs.session, asked, "stdout"))
            await until(pilot, lambda: isinstance(logs.app.screen, LogScreen) and "no log yet" in status(logs))
            assert status(logs) == "array 3003: its pending tasks have no log yet (l on a task once it runs)"
            assert logs.app.screen.tail is None and NO_VAL not in title(logs)
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(logs.app.screen, LogScreen))


async def test_a_waiting_array_scontrol_cannot_answer_for_has_no_log_yet_either(tmp_path, link) -> None:
    rest = pending("3003_[1-3]", reason="JobArrayTaskLimit")
    logs = array_logs(tmp_path, link, (rest,))
    logs.session.details["3003"] = SlurmError("slurm_load_jobs error: Socket timed out on send/recv operation")
    group = rest._replace(job_id="3003")  # what the group row carries: its paths are the rest's
    async with logs.app.run_test(size=(120, 40)) as pilot:
        logs.app.post_message(JobActions.LogRequested(logs.session, "3003", "stdout", group))
        await until(pilot, lambda: isinstance(logs.app.screen, LogScreen) and "no log yet" in status(logs))
        assert logs.app.screen.tail is None and NO_VAL not in title(logs)
