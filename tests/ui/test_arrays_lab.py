"""A real job array on the lab through the SSH path: one row with its counts, unfolded to its
tasks, cancelled whole with one scancel of the array id; then one finished row, 20 CA."""

from __future__ import annotations

import uuid

import pytest
from test_tui_lab import cancel, lab_app, put_cursor_on, submit, wait_for

pytestmark = pytest.mark.lab


async def test_an_array_is_one_row_and_c_cancels_all_its_tasks(lab) -> None:
    array_id = submit(lab, "alpha", f"-p cpu --array=1-20 -t 5 -J uiarray-{uuid.uuid4().hex[:6]}")
    try:
        async with lab_app(lab) as (app, pilot):
            table = await put_cursor_on(app, pilot, "alpha", array_id)
            row = table.cursor_row
            assert row is not None and "[1-20]" in row.job.name
            assert sum(int(part.split()[0]) for part in row.job.state.split(" · ")) == 20
            await pilot.press("enter")
            assert any(r.job.job_id.startswith(f"{array_id}_") for r in table.model.rows)
            await pilot.press("left", "c")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog", 10)
            assert app.screen.commands[-1].endswith(f"scancel --verbose {array_id}")
            await pilot.press("y")
            key = ("alpha", array_id)
            # all its tasks ended: the array is one row of the finished group, counted by how they ended
            await wait_for(pilot, lambda: table.model.index.get(key, -1) >= table.model.n_active, 60)
            await wait_for(pilot, lambda: "20 CA" in table.model.rows[table.model.index[key]].job.state, 30)
    finally:
        cancel(lab, "alpha", [array_id])
