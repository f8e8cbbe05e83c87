"""The overview's allocation lines: asked when the overview is shown, each cluster at most hourly,
answered through the real command builder with sreport/sacctmgr output captured in the lab."""

from __future__ import annotations

from ui_fakes import NOW

from hpctui.ui.widgets.allocation_lines import AllocationLines


async def test_shown_with_the_overview_and_asked_at_most_hourly(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 40)) as pilot:
        lines = app.query_one(AllocationLines)
        assert lines.watches["alpha"].queries == 0  # not asked while another tab is shown
        await pilot.press("0")
        await pilot.pause(0.3)
        text = str(lines.render())
        assert "alpha allocation lab: 0.0 of 100,000 core-h (0%) · 0.0 of 10,000 GPU-h (0%)" in text
        assert "beta allocation asked once connected" in text  # beta's link is down
        lines.check()
        await pilot.pause(0.1)
        assert lines.watches["alpha"].queries == 1  # within the hour: the kept answer
        assert lines.watches["alpha"].now().timestamp() == NOW  # the app's clock
