"""Holding a job that is held already: the confirmation says it changes nothing."""

from __future__ import annotations

from textual.widgets import Static
from ui_fakes import pending, snapshot

from hpctui.ui.dialogs.confirm import ConfirmDialog
from hpctui.ui.widgets.job_table import JobTable


async def test_holding_a_held_job_says_it_is_held_already(make_app) -> None:
    jobs = (pending("3001", reason="JobHeldUser"), pending("3002", reason="JobHeldAdmin"), pending("3003"))
    app = make_app(alpha_snapshot=snapshot("alpha", jobs))
    async with app.run_test(size=(120, 30)) as pilot:
        app.screen.query_one(JobTable).focus()
        await pilot.press("space", "space", "space", "H")
        await pilot.pause(0.2)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        notes = str(dialog.query_one("#notes", Static).render())
        assert notes.startswith("2 of these jobs are held already")
        await pilot.press("n")
