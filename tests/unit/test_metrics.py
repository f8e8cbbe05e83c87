"""Metric parsing, series, alerts, ETA, stall detection and error hints."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpctui.config.model import MetricPattern
from hpctui.services.logtail import Marker
from hpctui.services.metrics import MetricParser, MetricSeries, Progress, is_stalled, parse_line

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda v: round(v, 6))


@pytest.mark.parametrize(
    "template",
    ["loss={v}", "loss: {v}", "'loss': {v}", "epoch 3 loss {v}", "[train] Loss = {v} | lr 1e-4", "loss=tensor({v})"],
)
@given(value=finite)
def test_default_formats_give_the_printed_value(template, value):
    parsed = parse_line(template.format(v=value))
    assert parsed is not None and parsed.values["loss"] == value


def test_epoch_and_step_with_totals_are_progress_not_series():
    parsed = parse_line("Epoch [3/10] step 100/5000: val_loss=0.31 acc: 91.5")
    assert parsed.values == {"val_loss": 0.31, "acc": 91.5}
    assert (parsed.epoch, parsed.epoch_total, parsed.step, parsed.step_total) == (3, 10, 100, 5000)
    assert parse_line("step 100").step == 100 and parse_line("step 100").values == {}


@given(st.dictionaries(st.sampled_from(["loss", "val_loss", "acc", "lr", "step", "epoch"]), finite, min_size=1))
def test_json_lines(data):
    parsed = parse_line(json.dumps(data))
    assert parsed.values == {k: v for k, v in data.items() if k not in ("step", "epoch")}
    assert (parsed.step, parsed.epoch) == (data.get("step"), data.get("epoch"))


def test_python_dict_lines_of_the_hf_trainer():
    parsed = parse_line("{'loss': 0.4312, 'grad_norm': 1.25, 'learning_rate': 5e-05, 'epoch': 0.5}")
    assert parsed.values == {"loss": 0.4312, "grad_norm": 1.25, "learning_rate": 5e-05} and parsed.epoch == 0.5


@pytest.mark.parametrize(
    "line",
    [
        "line 000123 payload",
        "rank 0 world_size 8",
        "2024-05-01 12:00:03 starting",
        "time=3.5 mem=40",
        "loss is unknown",
    ],
)
def test_ordinary_lines_have_no_metrics(line):
    assert parse_line(line) is None


def test_extra_patterns_named_group_or_single_group():
    parser = MetricParser(
        [MetricPattern("tokens_per_s", r"(?P<value>[\d.]+) tok/s"), MetricPattern("mem_gb", r"mem ([\d.]+)GB")]
    )
    parser.feed(["it 5: 1234.5 tok/s, mem 41.5GB"], 0, 0.0)
    assert parser.series["tokens_per_s"].latest == 1234.5 and parser.series["mem_gb"].latest == 41.5
    with pytest.raises(ValueError, match="group named 'value'"):
        MetricParser([MetricPattern("bad", r"(a)(b)")])


@given(st.lists(finite, min_size=1, max_size=40))
def test_series_latest_and_best(values):
    parser = MetricParser()
    parser.feed([f"step {i} loss={v} acc={v}" for i, v in enumerate(values)], 0, 0.0)
    loss, acc = parser.series["loss"], parser.series["acc"]
    assert loss.latest == values[-1] and loss.best == min(values) and acc.best == max(values)
    assert loss.axis == "step" and loss.xy() == ([float(i) for i in range(len(values))], values)


def test_axis_falls_back_from_step_to_epoch_to_line():
    by_epoch = MetricParser()
    by_epoch.feed(["epoch 1 val_loss 0.5", "epoch 2 val_loss 0.4"], 0, 0.0)
    assert by_epoch.series["val_loss"].axis == "epoch" and by_epoch.series["val_loss"].xy() == ([1.0, 2.0], [0.5, 0.4])
    bare = MetricParser()
    bare.feed(["noise", "loss=0.5", "noise", "loss=0.25"], 10, 0.0)
    assert bare.series["loss"].axis == "line" and bare.series["loss"].xy() == ([11.0, 13.0], [0.5, 0.25])


def test_steps_carry_over_to_later_lines():
    parser = MetricParser()
    parser.feed(["step 200", "val_loss=0.3"], 0, 0.0)
    assert parser.series["val_loss"].xy() == ([200.0], [0.3])


def test_best_is_meaningless_for_learning_rate():
    series = MetricSeries("lr")
    assert series.lower_is_better is None
    parser = MetricParser()
    parser.feed(["lr=0.1", "lr=0.01"], 0, 0.0)
    assert parser.series["lr"].best is None and parser.series["lr"].latest == 0.01


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf"])
def test_nonfinite_values_raise_an_alert_and_stay_out_of_the_plot(text):
    parser = MetricParser()
    parser.feed(["step 1 loss=0.5", f"step 2 loss={text}"], 0, 0.0)
    series = parser.series["loss"]
    assert series.nonfinite == 1 and series.best == 0.5 and series.xy() == ([1.0], [0.5])
    alert = parser.alerts[-1]
    assert alert.kind == "nonfinite" and alert.line == 1 and "loss" in alert.message
    assert math.isnan(series.latest) if text.lower() == "nan" else math.isinf(series.latest)


def test_marker_lines_are_skipped():
    parser = MetricParser()
    hits = parser.feed([Marker("── Error: loss=1 ──"), "loss=2"], 0, 0.0)
    assert hits == [] and parser.series["loss"].xy() == ([1.0], [2.0])


def test_progress_fraction_prefers_steps():
    assert Progress(epoch=3, epoch_total=10).fraction == 0.3
    assert Progress(step=50, step_total=200, epoch=3, epoch_total=10).fraction == 0.25
    assert Progress(epoch=3).fraction is None
    assert Progress(epoch=3, epoch_total=10, step=7).label() == "epoch 3/10, step 7"


def test_eta_from_the_live_rate_ignores_the_history_point():
    parser = MetricParser()
    parser.feed(["epoch 2/10 loss=1"], 0, now=1000.0)  # history: printed long before we looked
    parser.feed(["epoch 3/10 loss=1"], 1, now=1060.0)
    parser.feed(["epoch 4/10 loss=1"], 2, now=1120.0)  # 60 s per epoch observed live
    assert parser.eta_s() == pytest.approx(6 * 60)


def test_eta_from_elapsed_time_when_no_rate_is_known():
    parser = MetricParser()
    parser.feed(["Epoch 3/10 loss=1"], 0, now=0.0)
    assert parser.eta_s(elapsed_s=300.0) == pytest.approx(700.0)
    assert MetricParser().eta_s(elapsed_s=300.0) is None


def test_stalled_only_while_running():
    assert is_stalled(changed_at=0.0, now=600.0, running=True, after_s=600)
    assert not is_stalled(changed_at=0.0, now=599.0, running=True, after_s=600)
    assert not is_stalled(changed_at=0.0, now=6000.0, running=False, after_s=600)
    assert not is_stalled(changed_at=None, now=6000.0, running=True, after_s=600)
