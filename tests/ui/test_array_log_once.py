"""A group row's log (``l`` on array 3003 follows task 3003_1) kept in the background
with ``b``, then ``l`` on the task's own row: the log already following that file should come
back, as for any job, not a second tail of the same file on one more of the cluster's few SSH
stream channels (two screens, the same file, ``tab`` cycling between them)."""

from __future__ import annotations

import pytest
from tail_helpers import link, served, server  # noqa: F401 (fixtures)
from test_array_group_log import array_logs, title
from test_log import until
from ui_fakes import job, pending

from hpctui.ui.job_actions import JobActions
from hpctui.ui.screens.log import LogScreen, open_logs


@pytest.mark.parametrize(
    ("first", "then"), [("3003", "3003_1"), ("3003_1", "3003")], ids=["group-then-task", "task-then-group"]
)
async def test_the_log_already_following_the_task_comes_back(tmp_path, link, first, then) -> None:  # noqa: F811
    array = (job("3003_1"), pending("3003_[2-3]", reason="JobArrayTaskLimit"))
    logs = array_logs(tmp_path, link, array)
    async with logs.app.run_test(size=(120, 40)) as pilot:
        logs.app.post_message(JobActions.LogRequested(logs.session, first, "stdout"))
        await until(pilot, lambda: isinstance(logs.app.screen, LogScreen) and "slurm-3003_1" in title(logs))
        following = logs.app.screen
        await pilot.press("b")  # keep it following in the background
        await until(pilot, lambda: not isinstance(logs.app.screen, LogScreen))
        logs.app.post_message(JobActions.LogRequested(logs.session, then, "stdout"))
        await until(pilot, lambda: isinstance(logs.app.screen, LogScreen))
        await pilot.pause(0.5)
        followed = [log.job_id for log in open_logs(logs.app)]
        assert logs.app.screen is following and followed == ["3003_1"], followed
