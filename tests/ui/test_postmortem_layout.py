"""The post-mortem at 80 and 160 columns: who cancelled by name, the whole advice, State kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static
from waiting import wait_for

from hpctui.services.postmortem import user_names_command
from hpctui.slurm.commands import sacct_command
from hpctui.slurm.livecmd import STEP_NAME
from hpctui.slurm.models import AccountingStep
from hpctui.ssh.types import Result
from hpctui.ui.screens.postmortem import ID_MIN, PostMortemScreen, fitted_widths, step_cells

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


def test_the_job_id_column_takes_its_longest_id_and_is_cut_only_when_the_rest_gave_up_cells() -> None:
    long_step = len(" └ 4567890_12.batch")
    assert fitted_widths(160, long_step)["JobID"] == long_step
    assert fitted_widths(100, long_step)["JobID"] == long_step  # the name shrinks first
    at_80 = fitted_widths(80, long_step)
    assert ID_MIN <= at_80["JobID"] < long_step and at_80["JobName"] == 12  # cut, with an ellipsis


async def test_step_ids_are_shown_whole_at_160_columns(make_app) -> None:
    """The JobID column was 14 cells at any width: "└ 512037.batc" on the lab's beta, and an
    array task's steps ("4567890_12.batch") looked alike."""
    app = make_app()
    link = app.workspace.session("alpha").link
    sacct = sacct_command(None, days=7)
    lines = SACCT.split("\n")
    long_ids = [line.replace("1000", "4567890_12", 1) for line in lines[:2]]  # the job and its .batch step
    link.answers[sacct] = Result(sacct, 0, "\n".join(long_ids + lines[2:]), "")
    getent = user_names_command(["1001"])
    link.answers[getent] = Result(getent, 0, PASSWD, "")
    async with app.run_test(size=(160, 30)) as pilot:
        screen = await open_postmortem(app, pilot)
        table = screen.query_one(DataTable)
        row = next(i for i in range(table.row_count) if str(table.get_row_at(i)[0]).strip("▸▾ ") == "4567890_12")
        table.move_cursor(row=row)
        await pilot.press("enter")  # unfold its steps
        await pilot.pause(0.2)
        cells = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        step = next(cell for cell in cells if "4567890_12.batch" in cell)
        width = next(iter(table.columns.values())).get_render_width(table)
        assert len(step) <= width - 2, (step, width)  # a cell has one space of padding each side


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


def test_hpctuis_own_live_use_step_says_what_it_is() -> None:
    def step(name: str) -> AccountingStep:
        return AccountingStep("1020.1", name, 15, None, None, "CANCELLED", "0:15")

    ours, theirs = (step_cells(step(name), {"state-muted": "grey"})[-1].plain for name in (STEP_NAME, "train"))
    assert (ours, theirs) == ("hpctui's live sampling", "")
