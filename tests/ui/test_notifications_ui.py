"""Notifications in the TUI: a job ending shows a toast and lands in the notifications view
(``N``), newest first; ``enter`` there opens the job's details; remote text stays inert."""

from __future__ import annotations

import ui_fakes
from tail_helpers import link, served, server  # noqa: F401 (fixtures)
from test_log import Logs, open_log, until
from textual.widgets import DataTable

from hpctui.config.model import Notifications
from hpctui.services.loghints import RULES
from hpctui.slurm.models import Snapshot
from hpctui.ui.screens.details import JobDetailsScreen
from hpctui.ui.screens.notifications import NotificationsScreen

RULE_HINTS = {kind: hint for kind, _, _, hint in RULES}


def publish(space, cluster: str, *jobs, at: float) -> None:
    space.session(cluster).poller.set(ui_fakes.snapshot(cluster, jobs, at=at))


async def test_a_job_that_ends_is_a_toast_and_a_row_and_enter_opens_its_details(make_app):
    space = ui_fakes.workspace()
    app = make_app(space)
    async with app.run_test(size=(120, 30)) as pilot:
        train = ui_fakes.job("5001", name="train\x1b[2Jx")
        evaluate = ui_fakes.job("5002", name="eval")
        publish(space, "alpha", train, evaluate, at=ui_fakes.NOW)
        publish(space, "alpha", train._replace(state="FAILED"), evaluate, at=ui_fakes.NOW + 15)
        publish(
            space, "alpha", train._replace(state="FAILED"), evaluate._replace(state="COMPLETED"), at=ui_fakes.NOW + 30
        )
        publish(space, "alpha", at=ui_fakes.NOW + 45)  # both leave the queue: said already, no sacct
        await pilot.pause()
        toasts = [n.message for n in app._notifications]
        assert toasts == ["alpha 5001 (train␛[2Jx): FAILED", "alpha 5002 (eval): completed"]
        asked = [command for command in space.session("alpha").link.commands if "sacct" in command]
        assert not any("5002" in command for command in asked)  # its end was seen: no accounting
        assert app.notices.desktop is None  # a headless app has no terminal nor desktop of its own

        await pilot.press("N")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, NotificationsScreen)
        table = screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)][1:5] for i in range(table.row_count)]
        assert rows == [["alpha", "5002", "completed", "eval"], ["alpha", "5001", "FAILED", "train␛[2Jx"]]

        await pilot.press("down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, JobDetailsScreen) and app.screen.job_id == "5001"
    assert space.session("alpha").poller.callbacks == []  # the app's feed left with it


async def test_a_stale_cluster_is_no_baseline_and_the_rules_filter(make_app):
    rules = Notifications(events=("started", "failed"), jobs=("train*",))
    space = ui_fakes.workspace(notifications=rules)
    space.session("alpha").poller.set(Snapshot("alpha", error="connecting"))  # nothing known yet at start
    app = make_app(space)
    async with app.run_test(size=(120, 30)) as pilot:
        train, other = ui_fakes.job("6001", name="train-a"), ui_fakes.job("6002", name="other")
        space.session("alpha").poller.set(Snapshot("alpha", error="connecting"))  # still nothing
        publish(space, "alpha", train, other, at=ui_fakes.NOW)  # the first look: no "started"
        publish(space, "alpha", train._replace(state="FAILED"), other._replace(state="FAILED"), at=ui_fakes.NOW + 15)
        await pilot.pause()
        assert [(r.notice.job_id, r.notice.event) for r in app.notices.history] == [("6001", "failed")]
        await pilot.press("N")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, NotificationsScreen)
        assert "Notifying started, failed on every cluster named train*" in str(
            screen.query_one("#notices-rules").render()
        )


async def test_what_an_open_log_shows_becomes_notices(tmp_path, link) -> None:
    logs = Logs(tmp_path, link)
    logs.stdout.write_text("step 1 loss=0.9\nstep 2 loss=nan\nRuntimeError: CUDA out of memory. Tried to allocate\n")
    async with logs.app.run_test(size=(120, 30)) as pilot:
        screen = await open_log(pilot, logs)
        await until(pilot, lambda: screen.parser.errors and screen.parser.alerts)
        logs.app.notices.scan_logs()
        logs.app.notices.scan_logs()  # said once
        found = [(r.notice.job_id, r.notice.event, r.notice.detail) for r in logs.app.notices.history]
        assert found == [
            ("1001", "nan", "loss is nan at line 2"),
            ("1001", "log_error", "cuda_oom: " + RULE_HINTS["cuda_oom"]),
        ]


async def test_an_array_ending_at_once_is_one_toast_and_every_task_in_the_view(make_app):
    space = ui_fakes.workspace()
    app = make_app(space)
    async with app.run_test(size=(120, 30)) as pilot:
        tasks = [ui_fakes.job(f"700_{i}", name="sweep") for i in range(5)]
        publish(space, "alpha", *tasks, at=ui_fakes.NOW)
        publish(space, "alpha", *(t._replace(state="COMPLETED") for t in tasks), at=ui_fakes.NOW + 15)
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["alpha: 5 completed"]
        assert [r.notice.job_id for r in app.notices.history] == [f"700_{i}" for i in range(5)]


async def test_the_detail_column_stays_on_screen_at_80_columns(make_app):
    space = ui_fakes.workspace()
    app = make_app(space)
    async with app.run_test(size=(80, 24)) as pilot:
        train = ui_fakes.job("5001", name="a-rather-long-training-run-name")
        publish(space, "alpha", train, at=ui_fakes.NOW)
        publish(space, "alpha", train._replace(state="OUT_OF_MEMORY"), at=ui_fakes.NOW + 15)
        await pilot.pause()
        await pilot.press("N")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        widths = {str(key.value): column.width for key, column in table.columns.items()}
        assert list(widths) == ["When", "Cluster", "Job", "Event", "Name", "Detail"]
        assert widths["Detail"] >= 16 and sum(width + 2 for width in widths.values()) + 2 <= 80
        assert table.row_count == 1
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        assert table.columns[next(iter(k for k in table.columns if k.value == "Detail"))].width > 16
        assert table.row_count == 1  # the rows went in again with the new columns
