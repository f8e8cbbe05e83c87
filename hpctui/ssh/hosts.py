"""The Host entries of an OpenSSH client config, for ``hpctui init`` to offer as clusters.

asyncssh's own parser reads the file (quoting, ``Key=value``, ``Include`` with globs relative
to ``~/.ssh`` as OpenSSH does); a subclass only changes what ``Host`` and ``Match`` lines do:
it notes every concrete alias (no ``*``, ``?`` or ``!``) and reads every block, never running
a ``Match exec`` command. Each alias is then resolved the way a connection would resolve it.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from asyncssh.config import SSHClientConfig

from hpctui.errors import UserError

T = TypeVar("T")
_WILDCARDS = frozenset("*?!")


@dataclass(frozen=True)
class SshHost:
    alias: str
    hostname: str
    user: str | None = None
    port: int | None = None
    proxy_jump: str | None = None

    def describe(self) -> str:
        """``user@host:port via jump`` with the parts the config sets."""
        where = f"{self.user}@{self.hostname}" if self.user else self.hostname
        where += f":{self.port}" if self.port else ""
        return f"{where} via {self.proxy_jump}" if self.proxy_jump else where


def default_ssh_config() -> Path:
    return Path("~/.ssh/config").expanduser()


class _AliasLister(SSHClientConfig):
    """Reads every block of the config and keeps the concrete Host aliases, in order."""

    def __init__(self) -> None:
        # As SSHClientConfig.load calls it: no previous config, no user or port given (``()``).
        super().__init__(None, False, False, False, getpass.getuser(), (), "", ())  # type: ignore[arg-type]
        self.aliases: dict[str, None] = {}

    def _note_hosts(self, option: str, args: list[str]) -> None:
        self.aliases.update(dict.fromkeys(a for a in args if not _WILDCARDS & set(a)))
        args.clear()
        self._matching = True

    def _read_block(self, option: str, args: list[str]) -> None:
        args.clear()
        self._matching = True

    _handlers: dict[str, tuple[str, Callable[..., None]]] = {
        **SSHClientConfig._handlers,
        "host": ("Host", _note_hosts),
        "match": ("Match", _read_block),
    }


def list_hosts(path: Path) -> list[SshHost]:
    """The concrete Host aliases of the config at ``path`` (and its Includes), resolved."""
    lister = _AliasLister()
    _parse(path, lambda: lister.parse(path))
    return [resolve_host(path, alias) for alias in lister.aliases]


def resolve_host(path: Path, alias: str) -> SshHost:
    """What the config at ``path`` says about ``alias`` (HostName, User, Port, ProxyJump)."""
    config = _parse(
        path, lambda: SSHClientConfig.load(None, [path], False, False, False, getpass.getuser(), (), alias, ())
    )
    port = config.get("Port")
    return SshHost(
        alias=alias,
        hostname=str(config.get("Hostname") or alias),
        user=_text(config.get("User")),
        port=port if isinstance(port, int) else None,
        proxy_jump=_text(config.get("ProxyJump")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value and value.lower() != "none" else None


def _parse(path: Path, read: Callable[[], T]) -> T:
    try:
        return read()
    except FileNotFoundError:
        raise UserError(f"{path}: no such ssh config file") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read the ssh config: {exc.strerror or exc}") from None
    except ValueError as exc:  # asyncssh's ConfigParseError: "PATH line N: what"
        raise UserError(f"ssh config: {exc}") from None
