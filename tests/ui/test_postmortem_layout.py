"""The post-mortem at 80 and 160 columns: who cancelled by name, the whole advice, State kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static
from waiting import wait_for

from hpctui.services.postmortem import user_names_command
from hpctui.slurm.commands import sacct_command
from hpctui.ssh.types import Result
from hpctui.ui.screens.postmortem import PostMortemScreen, fitted_widths

SACCT = (Path(__file__).parents[1] / "fixtures" / "slurm" / "sacct.txt").read_text()
PASSWD = "hpcuser:x:1001:1001::/home/hpcuser:/bin/bash\n"


async def open_postmortem(app, pilot) -> PostMortemScreen:
    """``p``, then the post-mortem once its sacct is read (its title no longer says loading)."""
    await pilot.press("p")

    def loaded() -> PostMortemScreen | None:
        screen = app.screen
        if isinstance(screen, PostMortemScreen) and "loading" not in str(screen.query_one("#title", Static).render()):
            return screen
        return None

    return await wait_for(pilot, loaded)


def answer_sacct_and_getent(app) -> None:
    link = app.workspace.session("alpha").link
    command = sacct_command(None, days=7)
    link.answers[command] = Result(command, 0, SACCT, "")
    getent = user_names_command(["1001"])
    link.answers[getent] = Result(getent, 0, PASSWD, "")


@pytest.mark.parametrize("width", [80, 160, 240])
async def test_cancelled_by_a_name_the_whole_advice_and_the_state_at_any_width(make_app, width) -> None:
    app = make_app()
    answer_sacct_and_getent(app)
    async with app.run_test(size=(width, 30)) as pilot:
        await open_postmortem(app, pilot)
        screen = app.screen
        assert isinstance(screen, PostMortemScreen)
        table = screen.query_one(DataTable)
        shown = [str(key.value) for key in table.columns]
        assert {"JobID", "JobName", "State"} <= set(shown)
        assert sum(col.get_render_width(table) for col in table.columns.values()) <= width
        row = next(i for i in range(table.row_count) if str(table.get_row_at(i)[0]).strip("▸▾ ") == "1018")
        state = str(table.get_row_at(row)[shown.index("State")])
        assert state == "CANCELLED by hpcuser"
        table.move_cursor(row=row)
        await pilot.pause()
        advice = screen.query_one("#advice", Static)
        text = str(advice.render())
        assert "CANCELLED by hpcuser" in text and "if it was not meant to stop." in text
        assert advice.size.height >= (2 if width == 80 else 1)  # wrapped, not cut


def test_narrow_tables_drop_the_least_useful_columns_first() -> None:
    assert list(fitted_widths(80)) == ["JobID", "JobName", "Elapsed", "State", "ExitCode"]
    assert fitted_widths(80)["JobName"] == 16  # it takes back what the advice column left
    assert "MaxRSS" in fitted_widths(160) and "Advice" in fitted_widths(160)
    assert fitted_widths(240)["Advice"] > fitted_widths(160)["Advice"]


async def test_the_title_with_failures_only_wraps_at_80_columns_rather_than_cut(make_app) -> None:
    app = make_app()
    answer_sacct_and_getent(app)
    async with app.run_test(size=(80, 30)) as pilot:
        await open_postmortem(app, pilot)
        await pilot.press("f")
        await pilot.pause()
        title = app.screen.query_one("#title", Static)
        assert "failures only" in str(title.render()) and str(title.render()).endswith("cancelled")
        assert title.size.height == 2  # the whole tally shows, on a second line
