"""The config's notifications section: defaults, values, and every mistake as PATH:LINE:COL."""

from __future__ import annotations

import pytest
import yaml

from hpctui.config.load import ConfigError, parse_config
from hpctui.config.model import DEFAULT_NOTICE_EVENTS
from hpctui.config.render import render_config

BASE = "clusters:\n  - name: alpha\n    ssh: {host: a.example}\n"


def test_defaults_and_values() -> None:
    assert parse_config(BASE).notifications.events == DEFAULT_NOTICE_EVENTS
    rules = parse_config(
        BASE + "notifications:\n  events: [failed, timeout]\n  clusters: [alpha]\n  jobs: ['train-*']\n"
        "  quiet_hours: 22:00-07:00\n  desktop: [osc, bell]\n  silent_min: 10\n"
    ).notifications
    assert (rules.events, rules.clusters, rules.jobs) == (("failed", "timeout"), ("alpha",), ("train-*",))
    assert (rules.quiet_hours, rules.desktop, rules.silent_min) == ("22:00-07:00", ("osc", "bell"), 10.0)
    assert parse_config(BASE + "notifications:\n  desktop: []\n").notifications.desktop == ()
    assert type(rules.clusters[0]) is str  # plain, so that `config check` can print it


def test_config_check_prints_the_section_as_it_was_written() -> None:
    config = parse_config(BASE + "notifications:\n  clusters: [alpha]\n  quiet_hours: 22:00-07:00\n")
    printed = yaml.safe_load(render_config(config))["notifications"]
    assert (printed["clusters"], printed["quiet_hours"]) == (["alpha"], "22:00-07:00")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "notifications:\n  events: [faild]\n",
            "cfg.yaml:5:12: notifications.events[0]: unknown value 'faild'; did you mean 'failed'?",
        ),
        (
            "notifications:\n  quiet_hours: '25:00-07:00'\n",
            "cfg.yaml:5:16: notifications.quiet_hours: '25:00-07:00' is not a time range; expected HH:MM-HH:MM, e.g. 22:00-07:00",
        ),
        (
            "notifications:\n  quiet_hours: 08:00-08:00\n",
            "cfg.yaml:5:16: notifications.quiet_hours: '08:00-08:00' is empty: start and end are the same",
        ),
        (
            "notifications:\n  desktop: [osc9]\n",
            "cfg.yaml:5:13: notifications.desktop[0]: unknown value 'osc9'; did you mean 'osc'?",
        ),
        (
            "notifications:\n  silent_min: 0\n",
            "cfg.yaml:5:15: notifications.silent_min: must be greater than 0, got 0.0",
        ),
        (
            "notifications:\n  event: [failed]\n",
            "cfg.yaml:5:3: notifications: unknown key 'event'; did you mean 'events'?",
        ),
        (
            "notifications:\n  clusters: [alpah]\n",
            "cfg.yaml:5:14: notifications.clusters[0]: unknown cluster 'alpah'; did you mean 'alpha'?",
        ),
    ],
)
def test_mistakes_say_where(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(BASE + text, "cfg.yaml")
    assert str(caught.value) == message
