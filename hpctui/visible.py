"""Remote text made safe to show: job names, paths, log lines and Slurm's messages are data.

A cluster can hand us any bytes: an ESC that would clear the user's terminal, a newline inside a
job name that would break a table row. ``visible`` replaces every control character with a
visible stand-in (Unicode's control pictures: ESC is ``␛``, a newline ``␤``), so what the user
sees is exactly what the cluster sent, and nothing of it acts on the terminal. Markup is a
separate concern: the UI never parses remote text as markup.
"""

from __future__ import annotations

import re

# C0 controls, DEL and the C1 controls (0x80-0x9f, which some terminals obey as escapes), and
# the bidirectional controls, which reorder what follows them (a name that reads backwards).
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{_BIDI}]")
_CONTROLS_BUT_NEWLINE = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{_BIDI}]")
_PICTURES = {0x7F: "␡", 0x0A: "␤"}


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code in _PICTURES:
        return _PICTURES[code]
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, *, newlines: bool = False) -> str:
    """``text`` with its control characters shown, not obeyed; ``newlines`` keeps line breaks
    (for multi-line messages), otherwise they show as ``␤`` (one line: a table cell, a title)."""
    if text.isprintable():  # the common case costs one C-level scan
        return text
    pattern = _CONTROLS_BUT_NEWLINE if newlines else _CONTROLS
    return pattern.sub(_picture, text)
