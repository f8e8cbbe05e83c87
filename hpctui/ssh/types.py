"""Types shared by the SSH layer and its users. Knows nothing of Slurm or Textual."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class LinkState(enum.Enum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    AUTHENTICATING = "authenticating"
    CONNECTED = "connected"
    BACKING_OFF = "backing off"
    FAILED = "failed"


@dataclass(frozen=True)
class LinkStatus:
    cluster: str
    state: LinkState
    detail: str = ""  # failure reason, or "next try in 4 s"
    retry_at: float | None = None  # time.time() of the next attempt when BACKING_OFF
    reason: str = ""  # the last error when BACKING_OFF or FAILED ("Connection refused")


@dataclass(frozen=True)
class Result:
    command: str
    exit_status: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_status == 0


class HostKeyDecision(enum.Enum):
    REJECT = "reject"
    ACCEPT_ONCE = "accept once"
    ACCEPT_SAVE = "accept and save"


class Prompter(Protocol):
    """Where the link asks the human. The TUI shows modals; the CLI asks on the terminal."""

    async def unknown_host_key(self, cluster: str, host: str, key_type: str, fingerprint: str) -> HostKeyDecision: ...

    async def ask(self, cluster: str, prompt: str, echo: bool) -> str | None:
        """A keyboard-interactive prompt (OTP code, password). None aborts."""

    async def passphrase(self, cluster: str, key_path: str) -> str | None: ...


class LinkError(Exception):
    """The connection failed or dropped; the message names the cluster and the reason."""


class CommandTimeout(LinkError):
    """A remote command did not finish within its timeout."""


class LinkFailed(LinkError):
    """A failure that retrying cannot fix (authentication, a rejected host key, bad ssh settings).

    The link stops in ``FAILED`` and only ``reconnect()`` tries again.
    """


class HostKeyChanged(LinkFailed):
    """The host presented a key that differs from known_hosts: a hard error."""
