"""The post-mortem on a captured sacct answer: newest first, failures counted apart from the
user's own cancellations, j k g G move, q closes."""

from __future__ import annotations

from pathlib import Path

from test_postmortem_layout import open_postmortem
from textual.widgets import DataTable, Static

from hpctui.slurm.commands import sacct_command
from hpctui.ssh.types import Result
from hpctui.ui.app import MainScreen
from hpctui.ui.screens.postmortem import PostMortemScreen
from hpctui.ui.widgets.job_table import JobTable

SACCT = (Path(__file__).parents[1] / "fixtures" / "slurm" / "sacct.txt").read_text()


async def test_newest_first_failures_apart_from_cancellations_and_list_keys(make_app) -> None:
    app = make_app()
    command = sacct_command(None, days=7)
    app.workspace.session("alpha").link.answers[command] = Result(command, 0, SACCT, "")
    async with app.run_test(size=(160, 40)) as pilot:
        await open_postmortem(app, pilot)
        screen = app.screen
        assert isinstance(screen, PostMortemScreen)
        title = str(screen.query_one("#title", Static).render())
        assert "4 failed, 5 cancelled" in title  # 3 FAILED and a TIMEOUT; cancellations apart
        assert "· last 7 days ·" in title
        table = screen.query_one(DataTable)
        assert str(table.get_row_at(0)[0]).strip("▸▾ ") != "1000"  # the oldest is not on top
        assert str(table.get_row_at(table.row_count - 1)[0]).strip("▸▾ ") == "1000"
        await pilot.press("g", "j", "j")  # it opened on the queue's job (1001)
        assert table.cursor_row == 2
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_p_opens_the_post_mortem_on_the_current_job(make_app) -> None:
    app = make_app()
    command = sacct_command(None, days=7)
    app.workspace.session("alpha").link.answers[command] = Result(command, 0, SACCT, "")
    async with app.run_test(size=(160, 40)) as pilot:
        for keys in (("p",), ("enter", "p")):  # from the queue (cursor on 1001), from 1001's details
            await pilot.press(*keys)
            await pilot.pause(0.3)
            assert isinstance(app.screen, PostMortemScreen)
            table = app.screen.query_one(DataTable)
            assert str(table.get_row_at(0)[0]).strip("▸▾ ") != "1001"  # not the newest
            assert str(table.get_row_at(table.cursor_row)[0]).strip("▸▾ ") == "1001"
            await pilot.press("q")
            await pilot.pause()


async def test_one_day_back_is_said_in_the_singular(make_app) -> None:
    app = make_app()
    for days in (7, 6, 5, 4, 3, 2, 1):
        command = sacct_command(None, days=days)
        app.workspace.session("alpha").link.answers[command] = Result(command, 0, SACCT, "")
    async with app.run_test(size=(160, 40)) as pilot:
        await open_postmortem(app, pilot)
        for _ in range(6):
            await pilot.press("minus")
            await pilot.pause(0.1)
        assert "· last 1 day ·" in str(app.screen.query_one("#title", Static).render())


async def test_p_on_an_empty_queue_opens_the_clusters_post_mortem(make_app) -> None:
    app = make_app()
    command = sacct_command(None, days=7)
    app.workspace.session("alpha").link.answers[command] = Result(command, 0, SACCT, "")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("slash", *"no-such-job", "enter")  # no job under the cursor
        await pilot.pause()
        await open_postmortem(app, pilot)
        assert isinstance(app.screen, PostMortemScreen)
        assert app.screen.query_one(DataTable).row_count > 0


async def test_p_on_an_array_row_opens_on_its_tasks(make_app) -> None:
    app = make_app()
    command = sacct_command(None, days=7)
    app.workspace.session("alpha").link.answers[command] = Result(command, 0, SACCT, "")
    async with app.run_test(size=(160, 40)) as pilot:
        queue = app.screen.query_one(JobTable)
        queue.move_cursor(queue.model.index[("alpha", "1003")])  # the folded array 1003
        await open_postmortem(app, pilot)
        table = app.screen.query_one(DataTable)
        ids = [str(table.get_row_at(i)[0]).strip("▸▾ ") for i in range(table.row_count)]
        assert not ids[0].startswith("1003_")  # not the newest
        assert table.cursor_row == next(i for i, job_id in enumerate(ids) if job_id.startswith("1003_"))
