"""TerminalPrompter on a real pseudo-terminal, and without any terminal."""

from __future__ import annotations

import asyncio
import io
import os
import termios

import pytest

from hpctui.ssh.prompts import TerminalPrompter
from hpctui.ssh.types import HostKeyDecision


class Terminal:
    """A pty pair: the prompter opens the slave by name, the test types on the master."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        os.set_blocking(self.master, False)
        self.path = os.ttyname(self.slave)
        self.screen = b""

    async def wait_for(self, text: str) -> None:
        async with asyncio.timeout(5):
            while text.encode() not in self.screen:
                try:
                    self.screen += os.read(self.master, 4096)
                except BlockingIOError:
                    await asyncio.sleep(0.005)

    async def wait_echo_off(self) -> None:
        async with asyncio.timeout(5):
            while termios.tcgetattr(self.slave)[3] & termios.ECHO:
                await asyncio.sleep(0.005)

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    async def rest_of_screen(self) -> str:
        await self.wait_for("\n")
        return self.screen.decode(errors="replace")

    def close(self) -> None:
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def terminal():
    terminal = Terminal()
    yield terminal
    terminal.close()


@pytest.mark.parametrize(
    ("typed", "decision"),
    [("yes", HostKeyDecision.ACCEPT_SAVE), ("once", HostKeyDecision.ACCEPT_ONCE), ("no", HostKeyDecision.REJECT)],
)
async def test_unknown_host_key_question_like_openssh(terminal, typed, decision):
    prompter = TerminalPrompter(terminal.path)
    asking = asyncio.create_task(prompter.unknown_host_key("alpha", "[127.0.0.1]:2221", "ssh-ed25519", "SHA256:abc"))
    await terminal.wait_for("(yes/no/once)? ")
    terminal.type(f"{typed}\n")
    assert await asking is decision
    screen = terminal.screen.decode()
    assert "[alpha] The authenticity of host '[127.0.0.1]:2221' can't be established." in screen
    assert "ssh-ed25519 key fingerprint is SHA256:abc." in screen


async def test_unclear_answer_is_asked_again(terminal):
    prompter = TerminalPrompter(terminal.path)
    asking = asyncio.create_task(prompter.unknown_host_key("alpha", "h", "ssh-ed25519", "SHA256:abc"))
    await terminal.wait_for("(yes/no/once)? ")
    terminal.type("maybe\n")
    await terminal.wait_for("Please type 'yes', 'no' or 'once': ")
    terminal.type("YES\n")
    assert await asking is HostKeyDecision.ACCEPT_SAVE


async def test_secret_is_not_echoed(terminal):
    prompter = TerminalPrompter(terminal.path)
    asking = asyncio.create_task(prompter.ask("beta", "Verification code: ", echo=False))
    await terminal.wait_for("[beta] Verification code: ")
    await terminal.wait_echo_off()
    terminal.type("424242\n")
    assert await asking == "424242"
    assert "424242" not in await terminal.rest_of_screen()
    assert termios.tcgetattr(terminal.slave)[3] & termios.ECHO  # echo is back on


async def test_passphrase_prompt_names_the_key(terminal):
    prompter = TerminalPrompter(terminal.path)
    asking = asyncio.create_task(prompter.passphrase("alpha", "/home/me/.ssh/id_ed25519"))
    await terminal.wait_for("[alpha] Enter passphrase for key '/home/me/.ssh/id_ed25519': ")
    await terminal.wait_echo_off()
    terminal.type("correct horse\n")
    assert await asking == "correct horse"


async def test_visible_answer_and_end_of_input(terminal):
    prompter = TerminalPrompter(terminal.path)
    asking = asyncio.create_task(prompter.ask("alpha", "Username: ", echo=True))
    await terminal.wait_for("Username: ")
    terminal.type("me\n")
    assert await asking == "me"
    asking = asyncio.create_task(prompter.ask("alpha", "Code: ", echo=True))
    await terminal.wait_for("Code: ")
    terminal.type("\x04")  # Ctrl-D: no answer
    assert await asking is None


async def test_without_a_terminal_rejects_and_says_why(tmp_path):
    messages = io.StringIO()
    prompter = TerminalPrompter(str(tmp_path / "no-tty"), messages)
    assert await prompter.unknown_host_key("alpha", "h", "ssh-ed25519", "SHA256:abc") is HostKeyDecision.REJECT
    assert await prompter.ask("alpha", "Verification code: ", echo=False) is None
    assert await prompter.passphrase("beta", "/k") is None
    lines = messages.getvalue().splitlines()
    assert lines == [
        "hpctui: alpha: unknown host key for h (ssh-ed25519 SHA256:abc) and no terminal to ask: rejected. "
        "Check it and connect once with ssh to save it.",
        "hpctui: alpha: the server asks 'Verification code:' and there is no terminal to answer on",
        "hpctui: beta: key /k needs a passphrase and there is no terminal to ask on",
    ]
