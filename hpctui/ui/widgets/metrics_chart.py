"""Training metrics of a log: one small plot per metric, latest and best values, alerts and ETA."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.color import Color
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static
from textual_plotext import PlotextPlot

from hpctui.format import duration
from hpctui.services.metrics import MetricParser, MetricSeries

MAX_PLOTS = 4
MAX_POINTS = 400  # per plot: more than a terminal can show


def ordered(series: dict[str, MetricSeries]) -> list[MetricSeries]:
    """Loss-like metrics first, then the others, each group in order of appearance."""
    return sorted(series.values(), key=lambda s: s.lower_is_better is not True)


def thinned(xs: list[float], ys: list[float], limit: int = MAX_POINTS) -> tuple[list[float], list[float]]:
    """Every k-th point so at most ``limit`` remain, always keeping the last one."""
    if len(xs) <= limit:
        return xs, ys
    step = -(-len(xs) // limit)
    keep = list(range(len(xs) - 1, -1, -step))[::-1]
    return [xs[i] for i in keep], [ys[i] for i in keep]


def whole_ticks(xs: list[float], count: int = 5) -> list[int] | None:
    """About ``count`` whole-number ticks across ``xs`` when every x is whole (steps, epochs,
    lines: a tick at "38.2" reads as nonsense), else None (plotext's own ticks)."""
    if not xs or not all(x == int(x) for x in xs):
        return None
    low, high = int(min(xs)), int(max(xs))
    step = max(1, -(-(high - low) // (count - 1)))
    return list(range(low, high + 1, step))


def value_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.6g}"


def series_label(series: MetricSeries) -> str:
    best = f"  best {value_text(series.best)}" if series.lower_is_better is not None else ""
    return f"{series.name} {value_text(series.latest)}{best}"


def summary(parser: MetricParser, eta_s: float | None, stalled_s: float | None) -> Content:
    """The line above the plots: values, progress, ETA, then alerts in the theme's error colour."""
    parts: list[str | tuple[str, str]] = []
    values = "  ·  ".join(series_label(s) for s in ordered(parser.series))
    parts.append(values or "no metrics found yet")
    if label := parser.progress.label():
        parts.append(f"  ·  {label}")
    if eta_s is not None:
        parts.append(f"  ·  ETA {duration(round(eta_s))}")
    if parser.alerts:
        parts.append(("  ·  ⚠ " + parser.alerts[-1].message, "$text-error"))
    if stalled_s is not None:
        parts.append((f"  ·  ⚠ no new output for {duration(round(stalled_s))}", "$text-warning"))
    return Content.assemble(*parts)


class MetricsChart(Vertical):
    DEFAULT_CSS = """
    MetricsChart { height: 16; border-top: solid $panel; }
    MetricsChart > #metrics-summary { height: auto; padding: 0 1; }
    MetricsChart > #plots { height: 1fr; }
    MetricsChart PlotextPlot { width: 1fr; height: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._plots: dict[str, PlotextPlot] = {}

    def compose(self) -> ComposeResult:
        yield Static("no metrics found yet", id="metrics-summary")
        yield Horizontal(id="plots")

    def show(self, parser: MetricParser, *, eta_s: float | None = None, stalled_s: float | None = None) -> None:
        self.query_one("#metrics-summary", Static).update(summary(parser, eta_s, stalled_s))
        if not self.display:
            return
        for series in ordered(parser.series)[:MAX_PLOTS]:
            plot = self._plots.get(series.name)
            if plot is None:
                plot = self._plots[series.name] = PlotextPlot()
                self.query_one("#plots", Horizontal).mount(plot)
            self._draw(plot, series)

    def _draw(self, plot: PlotextPlot, series: MetricSeries) -> None:
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        xs, ys = thinned(*series.xy())
        if xs:
            plt.plot(xs, ys, marker="braille", color=self._colour())
            if (ticks := whole_ticks(xs)) is not None:
                plt.xticks([float(tick) for tick in ticks], [str(tick) for tick in ticks])
        plt.title(series_label(series))
        plt.xlabel(series.axis)
        plot.refresh()

    def _colour(self) -> tuple[int, int, int]:
        return Color.parse(self.app.theme_variables["primary"]).rgb

    def plotted(self) -> list[str]:
        """Names of the metrics that have a plot, in order."""
        return list(self._plots)
