"""Marked jobs on two clusters (Overview): one confirmation per cluster, one after the other;
"no" on the first never runs the second without asking."""

from __future__ import annotations

from textual.widgets import Static

from hpctui.ssh.types import Result
from hpctui.ui.dialogs.confirm import ConfirmDialog
from hpctui.ui.tabs.overview import OVERVIEW_ID
from hpctui.ui.widgets.job_table import JobTable


async def _mark(pilot, table: JobTable, job_ids: list[str]) -> None:
    for job_id in job_ids:
        table.move_cursor(next(n for n, row in enumerate(table.model.rows) if row.job.job_id == job_id))
        await pilot.press("space")


def _dialogs(app) -> list[ConfirmDialog]:
    return [screen for screen in app.screen_stack if isinstance(screen, ConfirmDialog)]


async def test_two_clusters_confirm_one_after_the_other(make_app) -> None:
    app = make_app()
    beta = app.workspace.session("beta")
    hold = beta.actions.plan("hold", ["5001"]).commands[0]
    beta.link.answers[hold] = Result(hold, 0, "", "")
    async with app.run_test(size=(160, 40)) as pilot:
        app.screen.tabs.active = OVERVIEW_ID
        await pilot.pause()
        table = app.screen.query_one(f"#{OVERVIEW_ID} JobTable", JobTable)
        table.focus()
        await _mark(pilot, table, ["1001", "5001"])
        await pilot.press("H")
        await pilot.pause()
        assert len(_dialogs(app)) == 1  # never two dialogs at once
        first = str(app.screen.query_one("#title", Static).render())
        assert first.startswith("Hold job 1001 on alpha?")
        await pilot.press("n")  # no to alpha
        await pilot.pause()
        assert len(_dialogs(app)) == 1  # beta is asked, not run silently
        assert str(app.screen.query_one("#title", Static).render()).startswith("Hold job 5001 on beta?")
        assert app.workspace.audit.entries() == []
        await pilot.press("y")
        await pilot.pause()
        await pilot.pause()
        assert _dialogs(app) == []
        assert [entry.command for entry in app.workspace.audit.entries()] == [hold]
