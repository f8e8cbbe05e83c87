"""Training metrics and error hints from log lines.

``MetricParser.feed(lines)`` finds ``name=value`` style metrics (``loss=0.12``, ``loss: 0.12``,
``'loss': 0.12``, ``epoch 3 loss 0.12``, JSON lines, and the user's own regexes from
``config.metrics``), keeps one ``MetricSeries`` per metric against step, epoch or line number,
raises an alert on NaN/inf values and classifies error lines with a one-line hint.
"""

from __future__ import annotations

import json
import math
import re
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hpctui.config.model import MetricPattern
from hpctui.services.loghints import ErrorHit, classify_line, rules_present

__all__ = [
    "Alert",
    "ErrorHit",
    "MetricParser",
    "MetricPoint",
    "MetricSeries",
    "ParsedLine",
    "Progress",
    "classify_line",
    "is_stalled",
    "parse_line",
]

_NUMBER = r"[-+]?(?:nan|inf(?:inity)?|\d+(?:\.\d*)?(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?)"
_PAIR = re.compile(
    r"""(?<![\w./-])['"]?(?P<key>[a-z_][\w./-]*)['"]?\s*(?:[:=]\s*|\s+)(?:tensor\()?\[?"""
    rf"""(?P<value>{_NUMBER})(?!\w|\.\d)(?:\s*(?:/|of)\s*(?P<total>\d+))?""",
    re.IGNORECASE,
)
_METRIC_WORDS = (
    r"loss|acc|accuracy|lr|learning_rate|ppl|perplexity|f1|iou|miou|dice|psnr|ssim|bleu|rouge\w*|"
    r"auc|mae|mse|rmse|grad_norm|top1|top5|precision|recall|reward|score|metric|wer|cer"
)
_METRIC_NAME = re.compile(rf"(?:[\w.]*[/_.])?(?:{_METRIC_WORDS})(?:[/_.][\w./]*)?")
_STEP_NAMES = {"step": "step", "global_step": "step", "iter": "step", "iteration": "step", "epoch": "epoch"}
_LOWER_BETTER = re.compile(r"loss|err|mae|mse|ppl|perplexity|wer|cer")
_HIGHER_BETTER = re.compile(r"acc|f1|iou|dice|psnr|ssim|bleu|rouge|auc|top\d|precision|recall|reward|score|metric")
# Substrings one of which every default metric or step name contains: a cheap test that spares
# ordinary lines the pair regex.
_KEYWORDS = (
    "loss", "acc", "epoch", "step", "iter", "lr", "learning", "ppl", "perplex", "f1", "iou", "dice", "psnr",
    "ssim", "bleu", "rouge", "auc", "mae", "mse", "grad", "top1", "top5", "precision", "recall", "reward",
    "score", "metric", "wer", "cer",
)  # fmt: skip


_WORD = re.compile(r"[a-z][a-z0-9]*")


def _has_keyword(lowered: str, keywords: Sequence[str]) -> bool:
    for keyword in keywords:
        if keyword in lowered:
            return True
    return False


def vocabulary(text: str) -> str:
    """The distinct lower-cased words of ``text``, one per line: testing a keyword against it
    tests a whole batch of lines in one C-level scan of a short string."""
    return "\n".join(set(_WORD.findall(text.lower())))


@dataclass(frozen=True)
class ParsedLine:
    """What one line says: metric values and, when present, step/epoch with their totals."""

    values: dict[str, float]
    step: float | None = None
    step_total: int | None = None
    epoch: float | None = None
    epoch_total: int | None = None


@dataclass(frozen=True)
class Alert:
    kind: str  # "nonfinite"
    message: str
    line: int


@dataclass(frozen=True)
class MetricPoint:
    value: float
    line: int
    step: float | None
    epoch: float | None


@dataclass
class Progress:
    """The latest step/epoch seen, with totals when the log printed ``3/10``."""

    step: float | None = None
    step_total: int | None = None
    epoch: float | None = None
    epoch_total: int | None = None

    @property
    def fraction(self) -> float | None:
        if self.step is not None and self.step_total:
            return min(self.step / self.step_total, 1.0)
        if self.epoch is not None and self.epoch_total:
            return min(self.epoch / self.epoch_total, 1.0)
        return None

    def label(self) -> str:
        parts = []
        if self.epoch is not None:
            parts.append(f"epoch {self.epoch:g}" + (f"/{self.epoch_total}" if self.epoch_total else ""))
        if self.step is not None:
            parts.append(f"step {self.step:g}" + (f"/{self.step_total}" if self.step_total else ""))
        return ", ".join(parts)


def lower_is_better(name: str) -> bool | None:
    """True for loss-like metrics, False for accuracy-like ones, None when "best" means nothing."""
    if _LOWER_BETTER.search(name):
        return True
    if _HIGHER_BETTER.search(name):
        return False
    return None


class MetricSeries:
    """One metric's points (bounded), its latest value and its best finite value."""

    def __init__(self, name: str, max_points: int = 10_000) -> None:
        self.name = name
        self.points: deque[MetricPoint] = deque(maxlen=max_points)
        self.lower_is_better = lower_is_better(name)
        self.best: float | None = None
        self.nonfinite = 0
        self._without = {"step": 0, "epoch": 0}

    @property
    def latest(self) -> float | None:
        return self.points[-1].value if self.points else None

    def add(self, point: MetricPoint) -> None:
        self.points.append(point)
        self._without["step"] += point.step is None
        self._without["epoch"] += point.epoch is None
        if not math.isfinite(point.value):
            self.nonfinite += 1
        elif self.lower_is_better is not None and (self.best is None or self._better(point.value, self.best)):
            self.best = point.value

    def _better(self, value: float, than: float) -> bool:
        return value < than if self.lower_is_better else value > than

    @property
    def axis(self) -> str:
        """What the x axis is: "step" if every point had one, else "epoch", else "line"."""
        for axis in ("step", "epoch"):
            if not self._without[axis]:
                return axis
        return "line"

    def xy(self) -> tuple[list[float], list[float]]:
        """Finite points as (x, y) lists along ``axis``."""
        axis = self.axis
        xs, ys = [], []
        for point in self.points:
            if math.isfinite(point.value):
                xs.append(float(point.line if axis == "line" else getattr(point, axis)))
                ys.append(point.value)
        return xs, ys


class _Eta:
    """Remaining time from the rate at which progress changed while we watched.

    The first record may come from history printed long ago (it arrives with the initial
    tail), so the rate is measured between changes after it.
    """

    def __init__(self) -> None:
        self._changes: list[tuple[float, float]] = []  # (time, fraction) when the fraction changed

    def record(self, now: float, fraction: float | None) -> None:
        if fraction is None or (self._changes and self._changes[-1][1] == fraction):
            return
        self._changes.append((now, fraction))
        del self._changes[1:-100]

    def remaining_s(self, elapsed_s: float | None) -> float | None:
        if len(self._changes) >= 3:
            (t0, f0), (t1, f1) = self._changes[1], self._changes[-1]
            if f1 > f0 and t1 > t0:
                return (1.0 - f1) * (t1 - t0) / (f1 - f0)
        if self._changes and elapsed_s:
            fraction = self._changes[-1][1]
            if 0 < fraction <= 1:
                return elapsed_s * (1.0 - fraction) / fraction
        return None


def _compile(pattern: MetricPattern) -> re.Pattern[str]:
    compiled = re.compile(pattern.regex)
    if "value" not in compiled.groupindex and compiled.groups != 1:
        raise ValueError(f"metric {pattern.name!r}: the regex needs a group named 'value' or exactly one group")
    return compiled


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _json_values(line: str) -> dict[str, float] | None:
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return {str(k).lower(): float(v) for k, v in data.items() if isinstance(v, int | float) and not isinstance(v, bool)}


def parse_line(
    line: str, extra: Sequence[tuple[str, re.Pattern[str]]] = (), keywords: Sequence[str] = _KEYWORDS
) -> ParsedLine | None:
    """Metrics and progress on one line; None when it has none.

    ``keywords``: the metric keywords worth looking for (those in the line's batch).
    """
    stripped = line.strip()
    values = _json_values(stripped) if stripped.startswith("{") and stripped.endswith("}") else None
    totals: dict[str, int] = {}
    if values is None:
        values = {}
    if not values and _has_keyword(line.lower(), keywords):
        for match in _PAIR.finditer(line):
            key = match["key"].lower()
            if key in _STEP_NAMES or _METRIC_NAME.fullmatch(key):
                value = _number(match["value"])
                if value is not None:
                    values.setdefault(key, value)
                    if match["total"]:
                        totals[_STEP_NAMES.get(key, key)] = int(match["total"])
    for name, regex in extra:
        found = regex.search(line)
        if found:
            value = _number(found["value"] if "value" in regex.groupindex else found[1])
            if value is not None:
                values[name] = value
    if not values:
        return None
    steps = {_STEP_NAMES[k]: values.pop(k) for k in list(values) if k in _STEP_NAMES}
    return ParsedLine(values, steps.get("step"), totals.get("step"), steps.get("epoch"), totals.get("epoch"))


@dataclass
class MetricParser:
    """Stateful parser for one log: series, progress, alerts and error hits."""

    extra_patterns: Iterable[MetricPattern] = ()
    max_points: int = 10_000
    series: dict[str, MetricSeries] = field(default_factory=dict)
    progress: Progress = field(default_factory=Progress)
    alerts: deque[Alert] = field(default_factory=lambda: deque(maxlen=100))
    errors: deque[ErrorHit] = field(default_factory=lambda: deque(maxlen=1000))

    def __post_init__(self) -> None:
        self._extra = [(p.name, _compile(p)) for p in self.extra_patterns]
        self._eta = _Eta()

    def feed(self, lines: Sequence[str], first_line: int, now: float) -> list[ErrorHit]:
        """Parse lines numbered from ``first_line``; returns the error lines among them.

        The batch's vocabulary says which keywords and error rules can match at all, so a flood
        of ordinary lines costs a fraction of a microsecond per line.
        """
        text = "\n".join(lines)
        words = vocabulary(text)
        keywords = tuple(k for k in _KEYWORDS if k in words)
        rules = rules_present(words)
        look_for_metrics = bool(keywords or self._extra or "{" in text)
        if not rules and not look_for_metrics:
            return []
        hits = []
        for number, line in enumerate(lines, first_line):
            if type(line) is not str:  # Marker lines come from hpctui itself
                continue
            if rules and (hit := classify_line(line, number, rules)) is not None:
                hits.append(hit)
            if look_for_metrics and (parsed := parse_line(line, self._extra, keywords)) is not None:
                self._record(parsed, number, now)
        self.errors.extend(hits)
        return hits

    def _record(self, parsed: ParsedLine, number: int, now: float) -> None:
        progress = self.progress
        if parsed.step is not None:
            progress.step, progress.step_total = parsed.step, parsed.step_total or progress.step_total
        if parsed.epoch is not None:
            progress.epoch, progress.epoch_total = parsed.epoch, parsed.epoch_total or progress.epoch_total
        self._eta.record(now, progress.fraction)
        for name, value in parsed.values.items():
            series = self.series.get(name)
            if series is None:
                series = self.series[name] = MetricSeries(name, self.max_points)
            series.add(MetricPoint(value, number, progress.step, progress.epoch))
            if not math.isfinite(value):
                self.alerts.append(Alert("nonfinite", f"{name} is {value} at line {number + 1}", number))

    def eta_s(self, elapsed_s: float | None = None) -> float | None:
        """Seconds left, from the live rate, else from the job's elapsed time; None if unknown."""
        return self._eta.remaining_s(elapsed_s)


def is_stalled(changed_at: float | None, now: float, running: bool, after_s: float) -> bool:
    """A running job whose log has not grown for ``after_s`` seconds."""
    return running and changed_at is not None and now - changed_at >= after_s
