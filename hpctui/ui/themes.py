"""hpctui's themes (Textual ``Theme`` objects) and where its ``.tcss`` files live.

Colours are set only here; the ``.tcss`` files in ``themes/`` refer to them as variables:
Textual's own (``$primary``, ``$error`` ...) and ours, listed in ``VARIABLE_DEFAULTS`` so the
style sheets also parse under Textual's built-in themes.
"""

from __future__ import annotations

from pathlib import Path

from textual.theme import Theme

from hpctui.errors import UserError

DEFAULT_THEME = "hpctui-dark"
STYLESHEETS = ("hpctui.tcss",)

# Our variables with fallbacks for themes that do not set them.
VARIABLE_DEFAULTS: dict[str, str] = {
    "state-running": "#5fbf77",
    "state-pending": "#e0b44c",
    "state-transition": "#4fb8c9",
    "state-done": "#8b949e",
    "state-bad": "#e5534b",
    "state-other": "#b48ead",
    "row-finished": "#6e7681",
    "row-marked": "#2d4a6b",
    "row-cursor": "#264f78",
}

THEMES: dict[str, Theme] = {
    theme.name: theme
    for theme in (
        Theme(
            name="hpctui-dark",
            primary="#4f9cf0",
            secondary="#8a7cf0",
            accent="#f0a04f",
            foreground="#d7dde5",
            background="#10141a",
            surface="#161b22",
            panel="#1f2630",
            success="#5fbf77",
            warning="#e0b44c",
            error="#e5534b",
            dark=True,
            variables=dict(VARIABLE_DEFAULTS),
        ),
        Theme(
            name="hpctui-light",
            primary="#0969da",
            secondary="#8250df",
            accent="#bc4c00",
            foreground="#1f2328",
            background="#f6f8fa",
            surface="#ffffff",
            panel="#e6eaef",
            success="#1a7f37",
            warning="#9a6700",
            error="#cf222e",
            dark=False,
            variables={
                "state-running": "#1a7f37",
                "state-pending": "#9a6700",
                "state-transition": "#0a7c86",
                "state-done": "#6e7781",
                "state-bad": "#cf222e",
                "state-other": "#8250df",
                "row-finished": "#8c959f",
                "row-marked": "#ddf4ff",
                "row-cursor": "#b6d7ff",
            },
        ),
        Theme(
            name="hpctui-contrast",
            primary="#00ffff",
            secondary="#ff66ff",
            accent="#ffff00",
            foreground="#ffffff",
            background="#000000",
            surface="#000000",
            panel="#303030",
            success="#00ff00",
            warning="#ffff00",
            error="#ff5555",
            dark=True,
            variables={
                "state-running": "#00ff00",
                "state-pending": "#ffff00",
                "state-transition": "#00ffff",
                "state-done": "#ffffff",
                "state-bad": "#ff5555",
                "state-other": "#ff66ff",
                "row-finished": "#b0b0b0",
                "row-marked": "#005f87",
                "row-cursor": "#0000d7",
            },
        ),
    )
}


def check_theme(name: str) -> str:
    """``name`` if it is one of ours, else a UserError naming the choices."""
    if name not in THEMES:
        raise UserError(f"unknown theme {name!r} (choose from {', '.join(THEMES)})")
    return name


def stylesheets() -> list[Path]:
    """The ``.tcss`` files, through ``hpctui/ui/tcss``: a symlink to the repository's
    ``themes/`` in a checkout, a copy of it (package data) in an installed wheel."""
    folder = Path(__file__).resolve().parent / "tcss"
    return [folder / name for name in STYLESHEETS]
