"""Review finding (s6-review): `l` on an array's group row ("arr [1-4]  2 R · 2 PD") opens
the log of the whole array id. scontrol's record of the array's pending rest carries Slurm's
NO_VAL (4294967294) where the task id goes, so the view waits forever for
".../slurm-13467_4294967294.out to appear" (seen on the lab for 13467 and 13390). A file with
that name never exists: the view should open a task's log (or say to pick a task)."""

from __future__ import annotations

from tail_helpers import link, served, server  # noqa: F401 (fixtures)
from test_log import Logs, until
from ui_fakes import alpha_jobs, job, pending, snapshot

from hpctui.services.jobinfo import JobDetails
from hpctui.ui.screens.log import LogScreen

NO_VAL = "4294967294"


async def test_l_on_an_array_group_row_opens_a_log_that_can_exist(tmp_path, link) -> None:
    array = (job("3003_1"), pending("3003_[2-3]", reason="JobArrayTaskLimit"))
    logs = Logs(tmp_path, link, alpha_snapshot=snapshot("alpha", alpha_jobs() + array))
    rest = str(tmp_path / f"slurm-3003_{NO_VAL}.out")  # as scontrol shows job 3003 (the rest)
    fields = {"ArrayJobId": "3003", "ArrayTaskId": "2-3%1", "StdOut": rest, "StdErr": rest, "WorkDir": str(tmp_path)}
    logs.session.details["3003"] = JobDetails("alpha", "3003", fields)
    task = str(tmp_path / "slurm-3003_1.out")
    task_fields = {"ArrayJobId": "3003", "ArrayTaskId": "1", "StdOut": task, "StdErr": task, "WorkDir": str(tmp_path)}
    logs.session.details["3003_1"] = JobDetails("alpha", "3003_1", task_fields)
    async with logs.app.run_test(size=(120, 40)) as pilot:
        await pilot.press("G")  # the last queued row: the array's group row (folded)
        await pilot.pause()
        await pilot.press("l")
        await until(pilot, lambda: isinstance(logs.app.screen, LogScreen))
        await pilot.pause(0.5)
        title = str(logs.app.screen.query_one("#log-title").render())
        assert NO_VAL not in title, title
