"""The confirmation dialog at 80x24: a huge job name never hides the commands nor the buttons."""

from __future__ import annotations

from textual.widgets import Button, Static
from ui_fakes import job, pending, snapshot

from hpctui.ui.dialogs.confirm import ConfirmDialog
from hpctui.ui.widgets.job_table import JobTable


def fully_shown(dialog: ConfirmDialog, widget) -> bool:
    """The widget's whole region is on the screen and inside every container around it."""
    region = widget.region
    if not region or not dialog.region.contains_region(region):
        return False
    return all(ancestor.region.contains_region(region) for ancestor in widget.ancestors if ancestor is not dialog.app)


async def test_at_80x24_the_commands_and_buttons_show_whatever_the_names(make_app) -> None:
    jobs = (job("20018", name="x" * 1000), pending("20019", name="y" * 1000, reason="Priority"))
    app = make_app(alpha_snapshot=snapshot("alpha", jobs))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.screen.query_one(JobTable)
        table.focus()
        await pilot.press("space", "space", "c")
        await pilot.pause(0.2)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        commands = list(dialog.query(".command").results(Static))
        assert [str(c.render()) for c in commands] == ["scancel --verbose 20018", "scancel --verbose 20019"]
        assert all(fully_shown(dialog, widget) for widget in (*commands, *dialog.query(Button)))
        jobs_shown = [str(line.render()) for line in dialog.query(".job").results(Static)]
        assert all("…" in line and len(line) < 80 for line in jobs_shown)
