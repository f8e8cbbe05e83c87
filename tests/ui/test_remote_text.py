"""Remote text is data: job names, paths, reasons, log lines and Slurm's messages are shown
literally, never read as markup, with control characters made visible (never obeyed)."""

from __future__ import annotations

import dataclasses

import ui_fakes
from textual.widgets import DataTable, Static

from hpctui.services.jobinfo import JobDetails
from hpctui.services.logtail import LineRing
from hpctui.slurm.models import Snapshot
from hpctui.ui.screens.audit import AuditScreen
from hpctui.ui.screens.details import JobDetailsScreen
from hpctui.ui.widgets.job_table import JobTable
from hpctui.ui.widgets.log_view import LogView
from hpctui.ui.widgets.status_line import StatusLine
from hpctui.visible import visible

ESC = "\x1b[2J"
NASTY = {
    "name": "[bold]x[/]\x1fsplit\nline",
    "reason": "[/]",
    "nodelist": "[@click=app.quit]q",
    "work_dir": f"/home/u/{ESC}dir",
    "partition": "gpu",
}
SIZE = (200, 40)


def nasty_snapshot() -> Snapshot:
    job = ui_fakes.job("1001", **NASTY)
    return dataclasses.replace(ui_fakes.snapshot("alpha", (job,)), error=f"squeue: error: [red]boom[/] {ESC}")


def table_text(table: JobTable) -> str:
    return "\n".join(table.render_line(y).text for y in range(4))


def test_visible_shows_control_characters_and_keeps_the_rest() -> None:
    assert visible("plain [bold] text") == "plain [bold] text"
    assert visible(ESC) == "␛[2J"
    assert visible("a\nb\x1fc\x7f\x9b") == "a␤b␟c␡\\x9b"
    assert visible("line 1\nline 2\x07", newlines=True) == "line 1\nline 2␇"


def test_visible_shows_bidirectional_controls_that_would_reorder_a_name() -> None:
    # "train\u202egnp.sh" reads as "trainhs.png" on screen: a name that lies about itself
    assert visible("train\u202egnp.sh") == "train\\u202egnp.sh"
    assert visible("a\u2066b\u2069\u200f", newlines=True) == "a\\u2066b\\u2069\\u200f"
    assert visible("naïve ümlaut 模型") == "naïve ümlaut 模型"


async def test_queue_details_and_status_line_show_remote_text_literally(make_app) -> None:
    app = make_app(ui_fakes.workspace(nasty_snapshot()))
    session = app.workspace.session("alpha")
    session.details["1001"] = JobDetails(
        "alpha", "1001", {"JobId": "1001", "JobName": NASTY["name"], "WorkDir": NASTY["work_dir"]}
    )
    async with app.run_test(size=SIZE) as pilot:
        text = table_text(app.screen.query_one(JobTable))
        assert "[bold]x[/]␟split␤line" in text and "[/]" in text
        assert "\x1b" not in text
        status = str(app.screen.query_one(StatusLine).render())
        assert "[red]boom[/] ␛[2J" in status
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, JobDetailsScreen)
        shown = "\n".join(str(w.render()) for w in app.screen.query("Static").results(Static))
        assert "[bold]x[/]␟split␤line" in shown and "/home/u/␛[2Jdir" in shown
        assert "\x1b" not in shown
        assert app.is_running


async def test_palette_and_notifications_take_markup_literally(make_app) -> None:
    app = make_app(ui_fakes.workspace(nasty_snapshot()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"bold")
        await pilot.pause(0.3)
        await pilot.press("escape")
        app.notify("[/] not markup [@click=app.quit]q", markup=False)
        await pilot.press("slash", *"[/]", "enter")
        await pilot.pause()
        assert app.is_running and app.errors == []


async def test_log_lines_with_escapes_and_markup_render_as_text(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE):
        ring = LineRing(10)
        ring.extend([f"{ESC}cleared?", "[bold]not bold[/]", "tab\there"])
        view = LogView(ring)
        await app.screen.mount(view)
        view.sync(list(ring))
        lines = [view._strip(n)[0].text for n in range(3)]
        assert lines[0] == "␛[2Jcleared?"
        assert lines[1] == "[bold]not bold[/]"
        assert lines[2].startswith("tab") and "\t" not in lines[2]


async def test_audit_entries_with_markup_and_escapes(make_app) -> None:
    app = make_app()
    app.workspace.audit.append("alpha", "scancel 1", False, f"[/] refused {ESC}", 1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AuditScreen)
        table = app.screen.query_one(DataTable)
        cells = " ".join(str(c) for c in table.get_row_at(0))
        assert "[/] refused ␛[2J" in cells
        entry = str(app.screen.query_one("#entry", Static).render())
        assert "[/] refused ␛[2J" in entry


def test_status_cli_prints_names_and_errors_visibly() -> None:
    from hpctui.cmd.status import _cluster_text

    text = _cluster_text(nasty_snapshot())
    assert "\x1b" not in text and "␛[2J" in text
    job_text = _cluster_text(dataclasses.replace(nasty_snapshot(), error=None))
    assert "[bold]x[/]␟split␤line"[:30] in job_text and "\n" not in job_text.split("\n", 2)[2]


async def test_slurms_refusal_is_notified_literally(make_app) -> None:
    from hpctui.services.actions import Outcome
    from hpctui.ui.flows import notify_outcomes

    app = make_app()
    plan = app.workspace.session("alpha").actions.plan("hold", ["1001"])
    refusal = Outcome(plan.commands[0], False, f"scontrol: error: [b]no[/b] {ESC}", exit_status=1)
    async with app.run_test(size=SIZE) as pilot:
        notify_outcomes(app, "alpha", plan, [refusal])
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
        assert "1001: scontrol: error: [b]no[/b] ␛[2J" in messages
        assert app.is_running


async def test_palette_shows_job_names_as_text_and_loses_no_job_to_a_bad_one(make_app) -> None:
    from hpctui.ui.commands import JobCommands

    jobs = (
        ui_fakes.job("1001", name="[@click=app.quit]QUITME[/]"),
        ui_fakes.job("1002", name="[/]"),
        ui_fakes.job("1003", name="[link=http://evil]x"),
        ui_fakes.job("1004", name="plain"),
    )
    app = make_app(ui_fakes.workspace(ui_fakes.snapshot("alpha", jobs)))
    async with app.run_test(size=SIZE):
        provider = JobCommands(app.screen)
        hits = [hit async for hit in provider.search("RUNNING")]
        shown = {str(hit.match_display) for hit in hits}
        assert {"alpha 1001 [@click=app.quit]QUITME[/] gpu RUNNING", "alpha 1002 [/] gpu RUNNING"} <= shown
        assert len(hits) == 6  # every RUNNING job of both clusters: none lost to a bad name
        assert all(str(hit.match_display) == hit.text for hit in hits)  # nothing read as markup
