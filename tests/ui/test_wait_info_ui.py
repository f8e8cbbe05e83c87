"""The job details' wait information: the reason in plain words with what to do, the expected
start from the poll, and on w the priority, rank and fair-share (sprio/sshare output captured
in the lab, answered through the real command builder)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from textual.widgets import Static
from ui_fakes import job, pending

from hpctui.slurm.priority import priority_command
from hpctui.ssh.types import Result
from hpctui.ui.screens.details import JobDetailsScreen
from hpctui.ui.widgets.wait_info import WaitInfo, expected_start


def shown(info: WaitInfo) -> str:
    """The reason's line, then the lines under it (the widget indents those)."""
    return "\n".join(str(static.render()) for static in info.query(Static))


PRIORITY = (Path(__file__).parents[1] / "fixtures" / "slurm" / "priority.txt").read_text()


async def test_a_pending_job_says_why_and_w_asks_sprio_once(make_app) -> None:
    app = make_app()
    alpha = app.workspace.session("alpha")
    command = priority_command("16013", "cpu", alpha.cluster.queue_user)
    alpha.link.answers[command] = Result(command, 0, PRIORITY, "")
    asked: list[str] = []
    answer = alpha.link.run

    async def run(command: str, **options):
        asked.append(command)
        return await answer(command, **options)

    alpha.link.run = run
    waiting = pending("16013", partition="cpu", reason="Resources")
    async with app.run_test(size=(160, 40)) as pilot:
        await app.push_screen(JobDetailsScreen(alpha, "16013", waiting))
        await pilot.pause()
        info = app.screen.query_one(WaitInfo)
        text = shown(info)
        assert info.display and text.startswith("Waiting  Resources: it is next, waiting for nodes")
        assert "expected start 05-30 09:00" in text and "w: priority" in text
        assert "\n→ Nothing to do but wait" in text and "␤" not in text  # one thing a line
        reason, more = info.query(Static)
        assert more.content_region.x == reason.content_region.x + 2  # wrapped lines keep the indent too
        assert command not in asked
        await pilot.press("w")
        await pilot.pause(0.2)
        text = shown(info)
        assert "Priority 3021 (age 1, fairshare 2000, jobsize 21, partition 1000) · number 1 of 3" in text
        assert "\nFair-share 0.20 for hpcuser in lab" in text
        assert asked.count(command) == 1


async def test_a_running_job_has_no_wait_information(make_app) -> None:
    app = make_app()
    alpha = app.workspace.session("alpha")
    async with app.run_test(size=(160, 40)) as pilot:
        await app.push_screen(JobDetailsScreen(alpha, "1001", job("1001")))
        await pilot.pause()
        assert not app.screen.query_one(WaitInfo).display


def test_expected_start_words() -> None:
    now = datetime(2024, 5, 30, 8, 42)
    assert expected_start(pending("1"), now).startswith("expected start 05-30 09:00 (in 18 min)")
    assert "in 2.3 h" in expected_start(pending("1")._replace(start_time="2024-05-30T11:00:00"), now)
    assert expected_start(pending("1")._replace(start_time=None), now).startswith("no expected start yet")


@pytest.mark.parametrize(
    ("job_id", "fields"),
    [("20003_2", {"unique_id": "16013"}), ("16013_[2-5]", {"unique_id": "16013"})],
    ids=["task", "remainder"],
)
async def test_w_on_a_pending_array_task_asks_sprio_by_the_numeric_job_id(make_app, job_id, fields) -> None:
    app = make_app()
    alpha = app.workspace.session("alpha")
    command = priority_command("16013", "cpu", alpha.cluster.queue_user)
    alpha.link.answers[command] = Result(command, 0, PRIORITY, "")
    waiting = pending(job_id, partition="cpu", **fields)
    async with app.run_test(size=(160, 40)) as pilot:
        await app.push_screen(JobDetailsScreen(alpha, job_id, waiting))
        await pilot.pause()
        await pilot.press("w")
        await pilot.pause(0.2)
        text = shown(app.screen.query_one(WaitInfo))
    assert "Priority 3021 (age 1, fairshare 2000, jobsize 21, partition 1000) · number 1 of 3" in text
