"""A background task that fails is one line on screen and a traceback in hpctui's log file; the
app goes on."""

from __future__ import annotations

import logging

import ui_fakes

from hpctui.services.applog import log_path, start_file_log
from hpctui.ui.screens.details import JobDetailsScreen

SIZE = (120, 30)


async def test_a_failed_worker_is_logged_and_notified_and_the_app_goes_on(make_app, fresh_home) -> None:
    path = start_file_log()
    assert path == log_path() and str(path).startswith(str(fresh_home))
    app = make_app(ui_fakes.workspace())
    app.workspace.session("alpha").details["1001"] = RuntimeError("socket went [bold]away[/]")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("enter")
            await pilot.pause(0.2)
            assert isinstance(app.screen, JobDetailsScreen)
            assert app.errors == ["job details: socket went [bold]away[/]"]
            assert any("socket went [bold]away[/]" in str(n.message) for n in app._notifications)
            await pilot.press("escape", "j")
            await pilot.pause()
            assert app.is_running
    finally:
        for handler in list(logging.getLogger("hpctui").handlers):
            handler.close()
            logging.getLogger("hpctui").removeHandler(handler)
    logged = path.read_text()
    assert "job details failed" in logged and "Traceback" in logged and "RuntimeError: socket went" in logged


def test_an_unwritable_state_dir_does_not_keep_the_app_from_starting(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert start_file_log(blocker / "sub" / "hpctui.log") is None
