"""Desktop notifications: escapes that remote text cannot break out of, the channels chosen
for the terminal and desktop at hand, and quiet hours."""

from __future__ import annotations

import pytest

from hpctui.config.model import Notifications
from hpctui.services.desktop import Desktop, channels, osc9, osc777, sanitise
from hpctui.services.notices import Notice

HOSTILE = "train\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\x9b31m\nrm"


def test_remote_text_cannot_end_the_escape_or_drive_the_terminal() -> None:
    for escape in (osc9(HOSTILE), osc777(HOSTILE, HOSTILE)):
        body = escape[:-1]
        assert escape.endswith("\x07") and body.startswith("\x1b]")
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in body[1:])
    assert osc9("1;4;100") == "\x1b]9;hpctui: 1;4;100\x07"  # never read as ConEmu's progress report
    assert osc777("a;b", "c;d") == "\x1b]777;notify;a,b;c;d\x07"
    assert len(sanitise("x" * 1000)) == 240


NO_SEND = {"notify-send": None}.get
HAS_SEND = {"notify-send": "/usr/bin/notify-send"}.get


@pytest.mark.parametrize(
    ("wanted", "env", "terminal", "which", "expected"),
    [
        (("auto",), {"TERM_PROGRAM": "iTerm.app"}, True, NO_SEND, ("osc9",)),
        (("auto",), {"TERM": "foot"}, True, NO_SEND, ("osc777",)),
        (("auto",), {"TERM": "xterm-256color"}, True, NO_SEND, ("bell",)),
        (("auto",), {"TERM": "xterm-kitty", "TMUX": "/tmp/t"}, True, NO_SEND, ("bell",)),
        (("auto",), {"TERM": "xterm", "DISPLAY": ":0"}, True, HAS_SEND, ("notify-send",)),
        (("auto",), {"TERM": "xterm-kitty", "DISPLAY": ":0"}, True, HAS_SEND, ("osc9",)),
        (("auto",), {"TERM": "xterm"}, True, HAS_SEND, ("bell",)),  # no desktop session: over SSH
        (("auto",), {}, False, NO_SEND, ()),
        (("osc",), {"TERM": "xterm"}, True, NO_SEND, ("osc9", "osc777")),
        (("osc", "bell"), {"WT_SESSION": "1"}, True, NO_SEND, ("osc9", "bell")),
        ((), {"TERM_PROGRAM": "WezTerm"}, True, HAS_SEND, ()),
    ],
)
def test_channels(wanted, env, terminal, which, expected) -> None:
    assert channels(wanted, env, terminal, which) == expected


def test_send_writes_the_escapes_outside_quiet_hours_only() -> None:
    written: list[str] = []
    minute = [23 * 60]
    rules = Notifications(quiet_hours="22:00-07:00", desktop=("osc",))
    desktop = Desktop(
        rules, written.append, env={"TERM_PROGRAM": "ghostty"}, which=NO_SEND, local_minute=lambda: minute[0]
    )
    notice = Notice("alpha", "7", "failed", "train")
    assert desktop.send(notice.title, notice.text) is False and written == []
    minute[0] = 9 * 60
    assert desktop.send(notice.title, notice.text) is True
    assert written == ["\x1b]9;hpctui: alpha 7 (train): FAILED\x07"]
