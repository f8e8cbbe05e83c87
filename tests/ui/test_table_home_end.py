"""Home and End go to the first and last row in every list built on a DataTable (help,
post-mortem, audit, notifications, tunnels), as they do in the queue: the table's own
home/end would scroll sideways."""

from __future__ import annotations

from textual.widgets import DataTable

from hpctui.ui.screens.help import HelpScreen


async def test_home_and_end_in_the_help_list(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        assert table.row_count > 3
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("G", "g")
        assert table.cursor_row == 0
