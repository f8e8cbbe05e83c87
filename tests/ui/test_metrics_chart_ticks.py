"""The chart's x axis: whole steps get whole-number ticks (plotext's own would say "38.2")."""

from __future__ import annotations

import re

import plotext

from hpctui.ui.widgets.metrics_chart import whole_ticks


def test_whole_steps_get_whole_ticks_and_fractions_keep_plotexts_own() -> None:
    assert whole_ticks([1.0, 2.0, 150.0]) == [1, 39, 77, 115]
    assert whole_ticks([3.0, 5.0]) == [3, 4, 5]
    assert whole_ticks([7.0]) == [7]
    assert whole_ticks([0.5, 1.0]) is None
    assert whole_ticks([]) is None


def test_the_drawn_axis_shows_only_whole_numbers() -> None:
    xs = [float(x) for x in range(1, 151)]
    plotext.clear_figure()
    plotext.plot(xs, [1 / x for x in xs])
    ticks = whole_ticks(xs) or []
    plotext.xticks([float(tick) for tick in ticks], [str(tick) for tick in ticks])  # as MetricsChart does
    plotext.plotsize(60, 12)
    plotext.theme("clear")  # no colour escapes in the text
    axis = re.sub(r"\x1b\[[0-9;]*m", "", plotext.build().splitlines()[-1])
    labels = axis.split()
    assert labels and all(label.isdigit() for label in labels), axis
