"""Which key names a keymap may give: those Textual can bind and a keyboard can send.

Textual accepts any string as a binding's key, so a typo (``ctlr+k``, ``spcae``) would silently
leave the action with no key at all. The names are Textual's (a test checks each against
Textual's own list), kept here because the config layer does not import the UI's libraries.
"""

from __future__ import annotations

import unicodedata
from functools import cache

MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")

NAMED_KEYS = frozenset(
    {"escape", "enter", "return", "tab", "space", "backspace", "delete", "insert", "home", "end",
     "pageup", "pagedown", "up", "down", "left", "right", "newline", *(f"f{n}" for n in range(1, 36)),
     # sent by terminals that speak the kitty keyboard protocol
     "pause", "menu", "caps_lock", "scroll_lock", "num_lock", "print_screen", "kp_begin",
     "add", "subtract", "multiply", "divide", "decimal", "equal", "separator",
     "media_play", "media_pause", "media_play_pause", "media_stop", "media_track_next",
     "media_track_previous", "lower_volume", "raise_volume", "mute_volume"}
)  # fmt: skip

# Textual's names for characters whose Unicode name it shortens (KEY_NAME_REPLACEMENTS).
SHORTENED = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
             "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore"}  # fmt: skip

EXAMPLES = "like ctrl+k, f5, escape, question_mark or a single character"


def key_problem(key: str) -> str | None:
    """What is wrong with one key of a keymap entry (``ctrl+k``), or None when a keyboard can
    send it."""
    *modifiers, name = key.split("+")
    wrong = [modifier for modifier in modifiers if modifier not in MODIFIERS]
    if wrong:
        return f"key {key!r}: {wrong[0]!r} is no modifier (one of {', '.join(MODIFIERS)})"
    if modifiers and len(name) == 1 and not name.isalnum():  # Textual names it: ctrl+/ comes as ctrl+slash
        return f"key {key!r} never comes: write it {'+'.join([*modifiers, character_key(name)])!r}"
    if not _is_key_name(name):
        return f"key {key!r}: {name!r} is no key name ({EXAMPLES})"
    return None


def _is_key_name(name: str) -> bool:
    if len(name) == 1:
        return name.isprintable() and not name.isspace()
    if name in NAMED_KEYS or name in _character_names():
        return True
    try:  # another character by its name: euro_sign
        return len(unicodedata.lookup(name.replace("_", " "))) == 1
    except KeyError:
        return False


@cache
def _character_names() -> frozenset[str]:
    """Textual's names of the Latin characters that are no letter or digit: ``question_mark``."""
    characters = (chr(code) for code in range(0x21, 0x250))
    return frozenset(character_key(c) for c in characters if c.isprintable() and not c.isalnum())


def character_key(character: str) -> str:
    """The key name Textual gives a character that is no letter or digit (``>``: ``greater_than_sign``)."""
    name = unicodedata.name(character, character).lower().replace("-", "_").replace(" ", "_")
    return SHORTENED.get(name, name)
