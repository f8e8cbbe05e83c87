"""A cluster whose login failed can be retried without a restart: a key, a click on its status
line, the command palette."""

from __future__ import annotations

import ui_fakes

from hpctui.ui.widgets.status_line import StatusLine

SIZE = (160, 40)


async def test_failed_cluster_is_retried_by_key_click_and_palette(make_app) -> None:
    app = make_app(ui_fakes.empty_workspace())
    beta = app.workspace.session("beta").link
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        await pilot.pause()
        line = app.screen.query_one("#cluster-beta StatusLine", StatusLine)
        assert "failed: authentication failed" in str(line.render())
        assert "ctrl+r or click: retry now" in str(line.render())
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert beta.reconnects == 1
        await pilot.click(line)
        await pilot.pause()
        assert beta.reconnects == 2
        await pilot.press("ctrl+p", *"reconnect beta")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert beta.reconnects == 3
        await pilot.press("1", "ctrl+r")  # alpha is connected: nothing to retry
        await pilot.pause()
        assert getattr(app.workspace.session("alpha").link, "reconnects", 0) == 0
