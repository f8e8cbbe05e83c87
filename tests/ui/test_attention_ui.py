"""The UI tells who is looking: the tab on screen polls at full rate, the others at the idle
pace; the Overview watches all; an unfocused terminal none; a key brings the full rate back."""

from __future__ import annotations

from textual import events

SIZE = (120, 30)


def watched(app) -> dict[str, bool]:
    return {name: session.poller.watched for name, session in app.workspace.sessions.items()}


async def test_tabs_focus_and_keys_set_the_pace(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert watched(app) == {"alpha": True, "beta": False}
        beta = app.workspace.session("beta").poller
        asked = beta.refresh_requests
        await pilot.press("2")
        await pilot.pause()
        assert watched(app) == {"alpha": False, "beta": True}
        assert beta.refresh_requests == asked + 1  # looked at again: polled at once
        await pilot.press("0")
        await pilot.pause()
        assert watched(app) == {"alpha": True, "beta": True}
        app.post_message(events.AppBlur())
        await pilot.pause()
        assert watched(app) == {"alpha": False, "beta": False}
        app.post_message(events.AppFocus())
        await pilot.pause()
        assert watched(app) == {"alpha": True, "beta": True}
