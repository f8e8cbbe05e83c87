"""Review finding (s6-review): a keymap key name with a typo is accepted. With
`keymap: {cancel: "ctlr+k"}` `hpctui config check` says OK, the footer then advertises
"ctlr+k Cancel", no key can produce it, and `c` no longer cancels: the binding is silently
gone. A key Textual cannot name should be refused at its position, as a conflict is."""

from __future__ import annotations

import pytest

from hpctui.config.load import ConfigError, load_config

CLUSTER = "clusters:\n  - name: a\n    ssh: {alias: alpha}\n"


@pytest.mark.parametrize("key", ["ctlr+k", "spcae", "c c"])
def test_a_key_name_no_keyboard_can_send_is_refused(tmp_path, key) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f'keymap: {{cancel: "{key}"}}\n{CLUSTER}')
    with pytest.raises(ConfigError, match=":1:"):
        load_config(path)


def test_real_key_names_are_accepted(tmp_path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f'keymap: {{cancel: "ctrl+k,f5"}}\n{CLUSTER}')
    assert dict(load_config(path).keymap)["cancel"] == "ctrl+k,f5"
