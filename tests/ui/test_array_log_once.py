"""A group row's log (``l`` on array 3003 follows task 3003_1) kept in the background
with ``b``, then ``l`` on the task's own row: the log already following that file should come
back, as for any job, not a second tail of the same file on one more of the cluster's few SSH
stream channels (two screens, the same file, ``tab`` cycling between them)."""

from __future__ import annotations

from tail_helpers import link, served, server  # noqa: F401 (fixtures)
from test_array_group_log import array_logs, title
from test_log import until
from ui_fakes import job, pending

from hpctui.ui.job_actions import JobActions
from hpctui.ui.screens.log import LogScreen, open_logs


async def test_l_on_a_task_brings_back_the_group_log_that_follows_it(tmp_path, link) -> None:  # noqa: F811
    array = (job("3003_1"), pending("3003_[2-3]", reason="JobArrayTaskLimit"))
    logs = array_logs(tmp_path, link, array)
    async with logs.app.run_test(size=(120, 40)) as pilot:
        logs.app.post_message(JobActions.LogRequested(logs.session, "3003", "stdout"))
        await until(pilot, lambda: isinstance(logs.app.screen, LogScreen) and "slurm-3003_1" in title(logs))
        group_log = logs.app.screen
        await pilot.press("b")  # keep it following in the background
        await until(pilot, lambda: not isinstance(logs.app.screen, LogScreen))
        logs.app.post_message(JobActions.LogRequested(logs.session, "3003_1", "stdout"))
        await until(pilot, lambda: isinstance(logs.app.screen, LogScreen))
        await pilot.pause(0.5)
        followed = [log.job_id for log in open_logs(logs.app)]
        assert logs.app.screen is group_log and followed == ["3003_1"], followed


async def test_l_on_the_group_brings_back_the_task_log_it_would_follow(tmp_path, link) -> None:  # noqa: F811
    array = (job("3003_1"), pending("3003_[2-3]", reason="JobArrayTaskLimit"))
    logs = array_logs(tmp_path, link, array)
    async with logs.app.run_test(size=(120, 40)) as pilot:
        logs.app.post_message(JobActions.LogRequested(logs.session, "3003_1", "stdout"))
        await until(pilot, lambda: isinstance(logs.app.screen, LogScreen) and "slurm-3003_1" in title(logs))
        task_log = logs.app.screen
        await pilot.press("b")
        await until(pilot, lambda: not isinstance(logs.app.screen, LogScreen))
        logs.app.post_message(JobActions.LogRequested(logs.session, "3003", "stdout"))
        await until(pilot, lambda: isinstance(logs.app.screen, LogScreen))
        await pilot.pause(0.5)
        assert logs.app.screen is task_log and [log.job_id for log in open_logs(logs.app)] == ["3003_1"]
