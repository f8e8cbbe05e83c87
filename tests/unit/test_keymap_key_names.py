"""A keymap key no keyboard can send is refused at its position: with ``cancel: "ctlr+k"``
`config check` said OK, the footer advertised "ctlr+k Cancel" and `c` no longer cancelled (found
by a hostile review). Our list of key names is Textual's: checked here against Textual itself."""

from __future__ import annotations

import pytest
from textual._keyboard_protocol import FUNCTIONAL_KEYS
from textual.binding import Binding
from textual.keys import KEY_ALIASES, Keys, _character_to_key

from hpctui.config.keymap import EVERYWHERE, VIEW_KEYS
from hpctui.config.keynames import NAMED_KEYS, character_key, key_problem
from hpctui.config.load import ConfigError, load_config

CLUSTER = "clusters:\n  - name: a\n    ssh: {alias: alpha}\n"


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("ctlr+k", "key 'ctlr+k': 'ctlr' is no modifier"),
        ("spcae", "key 'spcae': 'spcae' is no key name"),
        ("c c", "key 'c c': 'c c' is no key name"),
        ("x,ctrl+", "key 'ctrl+': '' is no key name"),
        (",", "no key given"),
        ("ctrl+/", "key 'ctrl+/' never comes: write it 'ctrl+slash'"),  # Textual sends ctrl+slash
        ("ctrl+@", "key 'ctrl+@' never comes: write it 'ctrl+at'"),
        ("alt+.", "key 'alt+.' never comes: write it 'alt+full_stop'"),
    ],
)
def test_a_key_name_no_keyboard_can_send_is_refused_at_its_position(tmp_path, key, problem) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f'keymap: {{cancel: "{key}"}}\n{CLUSTER}')
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{path}:1:18: keymap: cancel: {problem}")


@pytest.mark.parametrize(
    "keys",
    [
        "ctrl+k,f5",
        "ctrl+shift+x",
        "greater_than_sign",
        "<",
        "é",
        "section_sign",
        "€",
        "…",
        "euro_sign",
        "f30",
        "newline",
    ],
)
def test_real_key_names_are_accepted(tmp_path, keys) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f'keymap: {{cancel: "{keys}"}}\n{CLUSTER}')
    assert dict(load_config(path).keymap)["cancel"] == keys


@pytest.mark.parametrize("key", ["?", "question_mark"])
def test_a_character_and_its_name_are_one_key(tmp_path, key) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f'keymap: {{cancel: "{key}"}}\n{CLUSTER}')
    with pytest.raises(ConfigError, match="key 'question_mark' is already bound to 'help'"):
        load_config(path)


def test_every_default_key_is_a_key_name() -> None:
    defaults = {key for view in (EVERYWHERE, *VIEW_KEYS.values()) for keys in view.values() for key in keys.split(",")}
    assert [key for key in defaults if key_problem(key.strip())] == []


def test_a_character_textual_binds_under_its_name_is_accepted_as_typed(tmp_path) -> None:
    (binding,) = Binding.make_bindings([Binding("€", "x")])
    assert binding.key == "euro_sign" and key_problem("€") is None and key_problem("euro_sign") is None


def test_the_names_are_textuals() -> None:
    aliases = {alias for names in KEY_ALIASES.values() for alias in names}
    assert {*NAMED_KEYS} <= {key.value for key in Keys} | set(FUNCTIONAL_KEYS.values()) | aliases
    characters = [chr(code) for code in range(0x21, 0x250) if chr(code).isprintable() and not chr(code).isalnum()]
    assert [c for c in characters if character_key(c) != _character_to_key(c)] == []
