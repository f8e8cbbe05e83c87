"""The house rules the build checks: colours only through theme variables, style sheets as
package data, every key binding with an id the keymap can name."""

from __future__ import annotations

import re
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "hpctui" / "ui"
COLOUR_NAMES = r"(?:red|green|yellow|blue|cyan|magenta|white|black|grey\d*|gray\d*)"
# A colour written into Python code: a Rich style string naming a colour, or a hex colour.
HARD_COLOUR = re.compile(rf"""["'](?:[^"'$]*\s)?(?:on\s+)?{COLOUR_NAMES}(?:\s[^"']*)?["']|["']#[0-9a-fA-F]{{3,6}}["']""")


def test_ui_code_names_no_colours_only_theme_variables() -> None:
    found = [
        f"{path.relative_to(UI)}:{number}: {line.strip()}"
        for path in UI.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if HARD_COLOUR.search(line)
    ]
    assert found == []


def test_the_style_sheets_and_themes_are_a_real_folder_of_the_package() -> None:
    folder = UI / "tcss"
    assert folder.is_dir() and not folder.is_symlink()
    assert {p.name for p in folder.iterdir()} >= {"hpctui.tcss", "hpctui-dark.toml", "hpctui-light.toml", "hpctui-contrast.toml"}
