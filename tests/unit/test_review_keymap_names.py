"""Review of the keymap key-name check against what Textual really binds and sends.

Textual turns a one-character binding into its name (``€`` -> ``euro_sign``) and names a key
pressed with a modifier the same way (ctrl and / arrives as ``ctrl+slash``, never ``ctrl+/``).
So ``€`` is a key a keyboard sends (AltGr+E), and ``ctrl+/`` is a binding that never fires."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from hpctui.config.load import ConfigError, load_config

CLUSTER = "clusters:\n  - name: a\n    ssh: {alias: alpha}\n"


def _load(tmp_path, keys: str):
    path = tmp_path / "config.yaml"
    path.write_text(f'keymap: {{cancel: "{keys}"}}\n{CLUSTER}')
    return load_config(path)


@pytest.mark.parametrize("key", ["€", "…"])
def test_a_character_textual_binds_is_accepted(tmp_path, key) -> None:
    (binding,) = Binding.make_bindings([Binding(key, "x")])
    assert binding.key not in ("", key)  # Textual binds it under its name (euro_sign, horizontal_ellipsis)
    assert dict(_load(tmp_path, key).keymap)["cancel"] == key  # refused: "'euro_sign' is no key name"


@pytest.mark.parametrize("key", ["ctrl+/", "ctrl+-", "ctrl+."])
def test_a_modifier_with_a_bare_punctuation_character_is_refused(tmp_path, key) -> None:
    """Textual keeps ``ctrl+/`` as typed and sends ``ctrl+slash``: the binding silently never fires,
    the very mistake the check is there to catch (the message could name ``ctrl+slash``)."""
    with pytest.raises(ConfigError, match="no key name"):
        _load(tmp_path, key)
