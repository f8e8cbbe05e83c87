"""On an empty list (a filter that hides every job, no tunnels) a key that acts on the row under
the cursor says so in one short notice and does nothing; a sort key stays quiet."""

from __future__ import annotations

from typing import Any

from hpctui.ui.app import MainScreen
from hpctui.ui.job_actions import NO_JOB
from hpctui.ui.screens.tunnels import TunnelsScreen
from hpctui.ui.widgets.job_table import JobTable

SIZE = (160, 40)
JOB_KEYS = ("enter", "c", "R", "H", "U", "s", "l", "e", "F", "x", "space", "right", "left")


def recorded(app: Any) -> list[str]:
    """Every notice from now on (kept here: the app drops a toast once its timeout passes)."""
    said: list[str] = []
    notify = app.notify

    def recording(message: str, **options: Any) -> None:
        said.append(str(message))
        notify(message, **options)

    app.notify = recording
    return said


async def test_every_job_key_on_an_emptied_queue_says_no_job_once_and_does_nothing(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(JobTable)
        await pilot.press("slash", *"no-such-job", "enter")
        await pilot.pause()
        assert table.model.rows == [] and app.focused is table
        said = recorded(app)
        for key in JOB_KEYS:
            await pilot.press(key)
            await pilot.pause()
            assert said == [NO_JOB], key
            assert isinstance(app.screen, MainScreen), key
            said.clear()
        await pilot.press("o", "O")
        await pilot.pause()
        assert said == []


async def test_test_and_close_on_no_tunnels_say_none_is_selected(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(TunnelsScreen({}))
        await pilot.pause()
        said = recorded(app)
        await pilot.press("t", "d")
        await pilot.pause()
        assert said == ["no tunnel selected", "no tunnel selected"]
