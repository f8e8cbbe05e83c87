"""Desktop notifications through the terminal (OSC 9, OSC 777), `notify-send`, or the bell.

The escapes go to the real terminal, so they work over SSH and in any emulator that shows
them: OSC 9 (iTerm2, kitty, WezTerm, Ghostty, Windows Terminal) and OSC 777 (foot, urxvt,
VTE-based terminals). ``notify-send`` is used where it exists and a desktop session is there;
the bell is the last resort. Every text that reaches an escape is sanitised first: job names
and log lines are remote text, and a control character in them could end the escape early and
drive the user's terminal.

Why not the ``desktop-notifier`` package: on Linux it talks to the same D-Bus service as
``notify-send`` (one more dependency for nothing more), and on macOS it needs a signed app
bundle or framework Python (Homebrew's and conda's are not), where it silently drops every
notification; the terminal's own notifications work there instead.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from collections.abc import Callable, Mapping

from hpctui.config.model import Notifications
from hpctui.services.notices import in_quiet_hours
from hpctui.visible import visible

log = logging.getLogger(__name__)

MAX_TEXT = 240  # terminals and notification daemons cut long texts anyway
NOTIFY_SEND_TIMEOUT_S = 10.0
BELL = "\a"

# Terminals known to show OSC 9 or OSC 777 notifications, by what they put in the environment.
OSC9_PROGRAMS = frozenset({"iTerm.app", "WezTerm", "ghostty", "WarpTerminal"})
OSC9_TERMS = frozenset({"xterm-kitty", "xterm-ghostty", "wezterm"})
OSC777_TERMS = ("foot", "rxvt")  # prefixes of TERM


def sanitise(text: str, limit: int = MAX_TEXT) -> str:
    """One line without any control character (shown as pictures: ␛, ␇) nor anything else
    unprintable, at most ``limit`` characters."""
    shown = "".join(c if c.isprintable() else "?" for c in visible(text))
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def osc9(text: str) -> str:
    """OSC 9; the text never starts with digits and ";" (ConEmu and Windows Terminal read
    ``9;4;...`` as a progress report), so it always starts with "hpctui: "."""
    return f"\x1b]9;hpctui: {sanitise(text)}\x07"


def osc777(title: str, body: str) -> str:
    """OSC 777 notify; ";" separates the title from the body, so the title has none."""
    return f"\x1b]777;notify;{sanitise(title).replace(';', ',')};{sanitise(body)}\x07"


def terminal_escapes(env: Mapping[str, str]) -> tuple[str, ...]:
    """The escapes this terminal shows ("osc9", "osc777"); none inside tmux or screen, which
    swallow them, nor in an unknown terminal."""
    if env.get("TMUX") or env.get("STY"):
        return ()
    term = env.get("TERM", "")
    if (
        env.get("TERM_PROGRAM") in OSC9_PROGRAMS
        or term in OSC9_TERMS
        or env.get("WT_SESSION")
        or env.get("KITTY_WINDOW_ID")
    ):
        return ("osc9",)
    if term.startswith(OSC777_TERMS) or env.get("VTE_VERSION"):
        return ("osc777",)
    return ()


def has_desktop(env: Mapping[str, str]) -> bool:
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("DBUS_SESSION_BUS_ADDRESS"))


def channels(
    wanted: tuple[str, ...],
    env: Mapping[str, str],
    terminal: bool,
    which: Callable[[str], str | None] = shutil.which,
) -> tuple[str, ...]:
    """What to send through: "osc9", "osc777", "notify-send", "bell". ``terminal``: escapes
    can be written to the user's terminal. "auto" picks ONE: the escape this terminal shows,
    else notify-send on a desktop, else the bell; "osc" sends both escapes to an unknown
    terminal."""
    chosen: list[str] = []
    escapes = terminal_escapes(env) if terminal else ()
    can_notify_send = which("notify-send") is not None and has_desktop(env)
    if "auto" in wanted:  # one of them: a terminal's notification and notify-send's would double
        chosen += escapes or (["notify-send"] if can_notify_send else ["bell"] if terminal else [])
    if "osc" in wanted and terminal:
        chosen += escapes or ("osc9", "osc777")
    if "notify-send" in wanted and which("notify-send") is not None:
        chosen.append("notify-send")
    if "bell" in wanted and terminal:
        chosen.append("bell")
    return tuple(dict.fromkeys(chosen))


class Desktop:
    """Sends notices to the desktop, outside quiet hours. ``write`` puts text on the user's
    real terminal (None: there is none); notify-send runs in the background, never waited for
    by the caller."""

    def __init__(
        self,
        rules: Notifications,
        write: Callable[[str], None] | None,
        env: Mapping[str, str] | None = None,
        which: Callable[[str], str | None] = shutil.which,
        local_minute: Callable[[], int] | None = None,
    ) -> None:
        self._rules = rules
        self._write = write
        self.channels = channels(rules.desktop, os.environ if env is None else env, write is not None, which)
        self._local_minute = local_minute or _local_minute
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, title: str, text: str) -> bool:
        """Notify through every channel; False when quiet hours (or no channel) kept it silent.
        ``title`` and ``text`` may hold remote text: every channel sanitises them."""
        if not self.channels or in_quiet_hours(self._rules.quiet_hours, self._local_minute()):
            return False
        for channel in self.channels:
            if channel == "notify-send":
                self._spawn(f"hpctui: {title}", text)
            elif self._write is not None:
                self._write(_escape(channel, f"hpctui: {title}", text))
        return True

    def _spawn(self, title: str, text: str) -> None:
        task = asyncio.get_running_loop().create_task(notify_send(title, text))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def notify_send(title: str, body: str) -> None:
    """Run notify-send (arguments, never a shell); a failure is logged, never raised."""
    command = ("notify-send", "--app-name=hpctui", "--", sanitise(title), sanitise(body))
    try:
        process = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as exc:
        log.warning("notify-send failed: %s", exc)
        return
    try:
        _, error = await asyncio.wait_for(process.communicate(), NOTIFY_SEND_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        log.warning("notify-send did not answer within %s s", NOTIFY_SEND_TIMEOUT_S)
        return
    if process.returncode:
        log.warning("notify-send exited %s: %s", process.returncode, error.decode(errors="replace").strip())


def _escape(channel: str, title: str, text: str) -> str:
    if channel == "osc9":
        return osc9(text)
    if channel == "osc777":
        return osc777(title, text)
    return BELL


def _local_minute() -> int:
    now = time.localtime()
    return now.tm_hour * 60 + now.tm_min
