"""TerminalPrompter: the CLI's way to ask the human (host keys, one-time codes, passphrases).

It talks to the controlling terminal (``/dev/tty``), not stdin/stdout, so it works while the
CLI's output is piped. Without a terminal (cron, CI) it rejects unknown host keys and gives
no codes, and says so on stderr. Prompts of several clusters are asked one at a time, and
the blocking reads run in a thread so other clusters' connections keep being served.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import sys
import termios
from collections.abc import Iterator
from typing import IO, TextIO

from hpctui.ssh.types import HostKeyDecision
from hpctui.visible import visible

ANSWERS = {"yes": HostKeyDecision.ACCEPT_SAVE, "once": HostKeyDecision.ACCEPT_ONCE, "no": HostKeyDecision.REJECT}


class TerminalPrompter:
    def __init__(self, tty_path: str = "/dev/tty", messages: TextIO | None = None) -> None:
        self._tty_path = tty_path
        self._messages = messages  # where "no terminal" notes go; None = sys.stderr at the time
        self._lock = asyncio.Lock()

    async def unknown_host_key(self, cluster: str, host: str, key_type: str, fingerprint: str) -> HostKeyDecision:
        question = (
            f"[{cluster}] The authenticity of host '{host}' can't be established.\n"
            f"{key_type} key fingerprint is {fingerprint}.\n"
            "Are you sure you want to continue connecting (yes/no/once)? "
        )
        without_tty = (
            f"{cluster}: unknown host key for {host} ({key_type} {fingerprint}) and no terminal to ask: "
            "rejected. Check it and connect once with ssh to save it."
        )
        answer = await self._ask(question, echo=True, without_tty=without_tty)
        while answer is not None and answer.strip().lower() not in ANSWERS:
            answer = await self._ask("Please type 'yes', 'no' or 'once': ", echo=True, without_tty="")
        return HostKeyDecision.REJECT if answer is None else ANSWERS[answer.strip().lower()]

    async def ask(self, cluster: str, prompt: str, echo: bool) -> str | None:
        without_tty = f"{cluster}: the server asks {prompt.strip()!r} and there is no terminal to answer on"
        return await self._ask(f"[{cluster}] {prompt}", echo, without_tty)

    async def passphrase(self, cluster: str, key_path: str) -> str | None:
        without_tty = f"{cluster}: key {key_path} needs a passphrase and there is no terminal to ask on"
        return await self._ask(f"[{cluster}] Enter passphrase for key '{key_path}': ", False, without_tty)

    async def _ask(self, prompt: str, echo: bool, without_tty: str) -> str | None:
        """The answer, or None on end of input or when there is no terminal (``without_tty`` is said)."""
        async with self._lock:
            return await asyncio.to_thread(
                self._ask_blocking, visible(prompt, newlines=True), echo, visible(without_tty)
            )

    def _ask_blocking(self, prompt: str, echo: bool, without_tty: str) -> str | None:
        try:
            fd = os.open(self._tty_path, os.O_RDWR | os.O_NOCTTY)
        except OSError:
            if without_tty:
                print(f"hpctui: {without_tty}", file=self._messages or sys.stderr)
            return None
        # As getpass does: one unbuffered read-write file on the terminal (ttys cannot seek).
        with io.TextIOWrapper(io.FileIO(fd, "w+"), encoding="utf-8", errors="replace") as tty:
            tty.write(prompt)
            tty.flush()
            with contextlib.nullcontext() if echo else _echo_off(tty):
                line = tty.readline()
            if not echo:
                tty.write("\n")  # the Enter the human typed was not echoed
                tty.flush()
        return line.rstrip("\n") if line else None


@contextlib.contextmanager
def _echo_off(tty: IO[str]) -> Iterator[None]:
    """What getpass does, on the terminal we were given: no echo while a secret is typed."""
    fd = tty.fileno()
    old = termios.tcgetattr(fd)
    new = termios.tcgetattr(fd)
    new[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSAFLUSH, new)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSAFLUSH, old)
