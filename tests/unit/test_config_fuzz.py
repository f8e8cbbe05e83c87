"""Whatever the text, loading a config ends in a Config or one ConfigError line."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hpctui.config.load import ConfigError, parse_config
from hpctui.config.spec import CLUSTER, CONFIG, PARTITION, RULES, SSH

TOKENS = [
    ":",
    ": ",
    "-",
    "- ",
    " ",
    "  ",
    "\n",
    "\t",
    "[",
    "]",
    "{",
    "}",
    ",",
    "'",
    '"',
    "#",
    "?",
    "|",
    ">",
    "&a ",
    "*a",
    "!!int ",
    "!!str ",
    "!x ",
    "<<: ",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "\x00",
    "\x85",
    "é",
    "1",
    "-1",
    "0x1F",
    "1e999",
    ".nan",
    "~",
    "null",
    "yes",
    "2001-13-45",
    "1:30",
    *(f"{key}: " for schema in (CONFIG, CLUSTER, SSH, PARTITION, RULES) for key in schema.fields),
]
KEYS = sorted({key for schema in (CONFIG, CLUSTER, SSH, PARTITION, RULES) for key in schema.fields} | {"x", "name"})
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8))
TREES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    max_leaves=25,
)
ONE_LINE = re.compile(r"^<fuzz>:\d+:\d+: [^\n]+$")


def _loads_or_fails_cleanly(text: str) -> None:
    try:
        parse_config(text, "<fuzz>")
    except ConfigError as exc:
        assert ONE_LINE.match(str(exc)), str(exc)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_yamlish_garbage_only_raises_config_error(text):
    _loads_or_fails_cleanly(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_random_text_only_raises_config_error(text):
    _loads_or_fails_cleanly(text)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), TREES, max_size=6))
def test_random_schema_shaped_documents_only_raise_config_error(tree):
    _loads_or_fails_cleanly(yaml.safe_dump(tree))


EXAMPLE_DATA = yaml.safe_load((Path(__file__).resolve().parents[2] / "config.example.yaml").read_text())


def _mutate(data: object, draw) -> object:
    """Replace one randomly chosen subtree of ``data`` with a random value."""
    if isinstance(data, (dict, list)) and data and draw(st.integers(0, 3)):
        keys = list(data) if isinstance(data, dict) else list(range(len(data)))
        key = draw(st.sampled_from(keys))
        copy = dict(data) if isinstance(data, dict) else list(data)
        copy[key] = _mutate(data[key], draw)
        return copy
    return draw(TREES)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_example_only_raises_config_error(data):
    _loads_or_fails_cleanly(yaml.safe_dump(_mutate(EXAMPLE_DATA, data.draw)))
