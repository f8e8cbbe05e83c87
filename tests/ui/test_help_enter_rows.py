"""? over the post-mortem and the notifications lists what enter does there (Steps, Job details),
not the table's own "Select" that the screen turns into it."""

from __future__ import annotations

import pytest
from test_postmortem_layout import answer_sacct_and_getent, open_postmortem
from textual.widgets import DataTable

from hpctui.ui.screens.help import HelpScreen


def help_rows(app) -> list[tuple[str, ...]]:
    table = app.screen.query_one(DataTable)
    return [tuple(map(str, table.get_row_at(i))) for i in range(table.row_count)]


@pytest.mark.parametrize(("opener", "what"), [("p", "Steps"), ("N", "Job details")])
async def test_help_says_what_enter_does_in_the_list(make_app, opener: str, what: str) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press(opener)
        await pilot.pause(0.3)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        enter = [row for row in help_rows(app) if row[0].split()[0] == "⏎"]
        assert [(row[1], row[2]) for row in enter] == [(what, "details")]


async def test_enter_in_the_post_mortem_still_shows_and_hides_the_steps(make_app) -> None:
    app = make_app()
    answer_sacct_and_getent(app)
    async with app.run_test(size=(160, 45)) as pilot:
        await open_postmortem(app, pilot)
        table = app.screen.query_one(DataTable)
        rows = table.row_count
        table.move_cursor(row=next(i for i in range(rows) if str(table.get_row_at(i)[0]).startswith("▸")))
        await pilot.press("enter")
        assert table.row_count > rows
        await pilot.press("enter")
        assert table.row_count == rows
