"""hpctui's themes and style sheets, read from ``hpctui/ui/tcss/`` (package data).

Colours are set only in the theme files: one ``NAME.toml`` per theme holding the fields of a
Textual ``Theme`` and, under ``[variables]``, hpctui's own variables (``$state-running`` ...).
The ``.tcss`` files refer to colours only as variables: Textual's own (``$primary``,
``$error`` ...) and ours, whose values in the default theme are also the fallbacks under
Textual's built-in themes. The names are known without importing Textual (the CLI checks
``--theme`` before the UI loads); the ``Theme`` objects are built when the app starts.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from hpctui.errors import UserError

if TYPE_CHECKING:
    from rich.style import Style
    from textual.theme import Theme

DEFAULT_THEME = "hpctui-dark"
STYLESHEETS = ("hpctui.tcss",)


def folder() -> Path:
    """``hpctui/ui/tcss``: the theme files and style sheets, shipped in the wheel as package data."""
    return Path(__file__).resolve().parent / "tcss"


def stylesheets() -> list[str | PurePath]:
    return [folder() / name for name in STYLESHEETS]


@cache
def theme_fields() -> dict[str, dict[str, Any]]:
    """Each theme file's fields by theme name (the file's name), the default theme first."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(folder().glob("*.toml"), key=lambda p: (p.stem != DEFAULT_THEME, p.stem)):
        try:
            fields = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise UserError(f"{path}: {exc}") from None
        if fields.setdefault("name", path.stem) != path.stem:
            raise UserError(f"{path}: name {fields['name']!r} differs from the file name")
        found[path.stem] = fields
    if DEFAULT_THEME not in found:
        raise UserError(f"{folder() / DEFAULT_THEME}.toml is missing (the default theme)")
    return found


def theme_names() -> list[str]:
    return list(theme_fields())


def check_theme(name: str) -> str:
    """``name`` if it is one of ours, else a UserError naming the choices."""
    if name not in theme_fields():
        raise UserError(f"unknown theme {name!r} (choose from {', '.join(theme_fields())})")
    return name


def variable_defaults() -> dict[str, str]:
    """Our variables with the default theme's values, for themes that do not set them."""
    return dict(theme_fields()[DEFAULT_THEME].get("variables", {}))


def variable_style(variables: Mapping[str, str], name: str, *, bold: bool = False) -> Style:
    """A Rich style in the colour of theme variable ``name`` (``state-bad``), for the Rich text
    that DataTable cells are made of (they cannot refer to ``$variables`` themselves)."""
    from rich.style import Style

    return Style(color=variables.get(name), bold=bold)


def state_style(variables: Mapping[str, str], state: str) -> Style:
    """A job state's style: its category's colour (``$state-bad`` ...), bold for failures."""
    from hpctui.ui.columns import state_category

    category = state_category(state)
    return variable_style(variables, f"state-{category}", bold=category == "bad")


def build_themes() -> list[Theme]:
    """The Textual ``Theme`` of every theme file (a UserError names a file with a bad field)."""
    from textual.theme import Theme

    themes = []
    for name, fields in theme_fields().items():
        try:
            themes.append(Theme(**{**fields, "variables": {**variable_defaults(), **fields.get("variables", {})}}))
        except (TypeError, ValueError) as exc:
            raise UserError(f"{folder() / name}.toml: {exc}") from None
    return themes
