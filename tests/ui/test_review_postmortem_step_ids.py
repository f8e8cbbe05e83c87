"""Review finding (s6-review): the post-mortem's JobID column is 14 cells at any width, so a
step id of a 6-digit job loses its end ("└ 512037.batc", seen on the lab's beta at 160
columns), and a real site's array task step ("4567890_12.batch") shows as "4567890_12.b":
its steps look alike. At 160 columns there is room for the whole id."""

from __future__ import annotations

from test_postmortem_layout import PASSWD, SACCT, open_postmortem
from textual.widgets import DataTable

from hpctui.services.postmortem import user_names_command
from hpctui.slurm.commands import sacct_command
from hpctui.ssh.types import Result


async def test_step_ids_are_shown_whole_at_160_columns(make_app) -> None:
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
