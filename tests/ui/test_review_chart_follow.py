"""Review finding (s6-review): showing then hiding the loss chart (m, m) turns following off.
The log view grows back, Textual clamps scroll_y down, and LogView.watch_scroll_y reads any
decrease as "the user scrolled up". Seen on the lab: the status said "scrolled (G: follow)"
and the view stayed on step 533 while the file grew to 545 lines. The user never scrolled.
A layout change should not stop the view following the end."""

from __future__ import annotations

from tail_helpers import link, served, server  # noqa: F401 (fixtures)
from test_log import Logs, numbered, open_log, settled, shown, until

from hpctui.ui.widgets.log_view import LogView
from hpctui.ui.widgets.metrics_chart import MetricsChart


async def test_hiding_the_chart_keeps_the_log_following_the_end(tmp_path, link) -> None:
    logs = Logs(tmp_path, link)
    logs.stdout.write_text("".join(f"step {n} loss={1 / n}\n" for n in range(1, 301)))
    async with logs.app.run_test(size=(120, 40)) as pilot:
        screen = await open_log(pilot, logs)
        view = screen.query_one(LogView)
        await settled(pilot, view, 300)
        await until(pilot, lambda: "loss" in screen.parser.series)
        await pilot.press("m")  # chart on: the view gets shorter
        chart = screen.query_one(MetricsChart)
        await until(pilot, lambda: chart.plotted() == ["loss"])
        logs.append(numbered(301, 302))  # the job goes on printing under the chart
        await settled(pilot, view, 302)
        await pilot.pause(0.3)
        await pilot.press("m")  # chart off: the view gets taller again
        await pilot.pause(0.3)
        assert view.follow, "hiding the chart stopped following the end"
        logs.append(numbered(303, 310))
        await settled(pilot, view, 310)
        await pilot.pause()
        assert shown(view)[-1] == "line 310"
