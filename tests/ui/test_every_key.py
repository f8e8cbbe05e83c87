"""Every key the help lists, on every screen, on an empty account and on a busy one: the app is
still alive afterwards and nothing raised (issue: the first key a new user pressed killed it)."""

from __future__ import annotations

from typing import Any

import pytest
import ui_fakes
from textual.screen import Screen

from hpctui.ui.app import HpcApp, MainScreen

SIZE = (120, 40)
NEVER = {"q", "ctrl+q", "ctrl+c"}  # quitting is tested on its own
# Keys that open another screen from the main view, explored one level deeper.
OPENERS = ("enter", "l", "e", "p", "s", "a", "question_mark", "c", "ctrl+p")


def keys_of(screen: Screen[Any]) -> list[str]:
    """One key for each of the screen's active bindings (the help's rows): aliases of the same
    action (``j`` and ``down``) are pressed once."""
    keys: dict[tuple[int, str], str] = {}
    for key, active in screen.active_bindings.items():
        if key not in NEVER and active.enabled:
            keys.setdefault((id(active.node), active.binding.action), key)
    return sorted(keys.values())


async def back_to(pilot: Any, app: HpcApp, home: Screen[Any]) -> None:
    """Escape from whatever a key opened until ``home`` is the current screen again."""
    for _ in range(6):
        if app.screen is home or home not in app.screen_stack:
            return
        await pilot.press("escape")
        await pilot.pause()


async def press_all(pilot: Any, app: HpcApp, home: Screen[Any], keys: list[str]) -> list[str]:
    """Press each key on ``home`` (coming back to it after each); the keys after which the app
    died or recorded an exception."""
    broken = []
    for key in keys:
        if home not in app.screen_stack:
            break
        focused = app.focused
        await pilot.press(key)
        await pilot.pause()
        await back_to(pilot, app, home)
        if not app.is_running or app._exception is not None or app.errors:
            broken.append(key)
            break
        if app.screen is home and focused is not None and focused.is_attached:
            app.set_focus(focused)
    return broken


async def explore(app: HpcApp, pilot: Any) -> list[str]:
    """Every key of each tab, then every key of each screen the main keys open."""
    broken: list[str] = []
    main = app.screen
    assert isinstance(main, MainScreen)
    for tab in ("1", "2", "0"):
        await pilot.press(tab)
        await pilot.pause()
        broken += [f"main {tab}: {key}" for key in await press_all(pilot, app, main, keys_of(main))]
    for opener in OPENERS:
        await pilot.press(opener)
        await pilot.pause(0.2)
        screen = app.screen
        if screen is not main:
            keys = [k for k in keys_of(screen) if k not in ("escape",)]
            broken += [f"{type(screen).__name__}: {key}" for key in await press_all(pilot, app, screen, keys)]
        await back_to(pilot, app, main)
        if not app.is_running or app._exception is not None or app.errors:
            broken.append(f"main: {opener}")
            break
    return broken


@pytest.mark.parametrize("account", ["empty", "busy"])
async def test_every_key_on_every_screen_leaves_the_app_alive(make_app, account: str) -> None:
    space = ui_fakes.empty_workspace() if account == "empty" else ui_fakes.workspace()
    app = make_app(space)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        broken = await explore(app, pilot)
        assert app.is_running
        assert broken == [], broken
        assert app.errors == []
