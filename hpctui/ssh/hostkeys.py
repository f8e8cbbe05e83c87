"""known_hosts handling in OpenSSH's formats: host specs, fingerprints, saving a new key."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncssh

DEFAULT_KNOWN_HOSTS = "~/.ssh/known_hosts"


def host_spec(host: str, port: int) -> str:
    """How known_hosts names a host: ``host`` on port 22, ``[host]:port`` otherwise."""
    return host if port == 22 else f"[{host}]:{port}"


def fingerprint(key: asyncssh.SSHKey) -> str:
    """``SHA256:...`` exactly as OpenSSH prints it."""
    return key.get_fingerprint("sha256")


@dataclass(frozen=True)
class HostKeyProblem:
    """The server's key did not match known_hosts: unknown host, or a changed key."""

    host: str
    port: int
    key: asyncssh.SSHKey
    changed: bool

    @property
    def spec(self) -> str:
        return host_spec(self.host, self.port)

    @property
    def key_type(self) -> str:
        return self.key.get_algorithm()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.key)


class KnownHosts:
    """The known_hosts files of one link, re-read before every connection attempt."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = [Path(path).expanduser() for path in paths] or [Path(DEFAULT_KNOWN_HOSTS).expanduser()]

    def load(self) -> asyncssh.SSHKnownHosts:
        existing = [str(path) for path in self.paths if path.is_file()]
        return asyncssh.read_known_hosts(existing) if existing else asyncssh.import_known_hosts("")

    def has_other_key(self, host: str, addr: str, port: int) -> bool:
        """True when known_hosts trusts some key (or CA) for this host: a key change, not a new host."""
        trusted_keys, trusted_cas, *_ = self.load().match(host, addr, None if port == 22 else port)
        return bool(trusted_keys or trusted_cas)

    def save(self, host: str, port: int, key: asyncssh.SSHKey) -> Path:
        """Append the key to the first known_hosts file, creating it (and ~/.ssh) when missing."""
        path = self.paths[0]
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        public = key.export_public_key("openssh").decode().split()
        line = f"{host_spec(host, port)} {public[0]} {public[1]}\n"
        if _lacks_final_newline(path):
            line = "\n" + line
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a") as out:
            out.write(line)
        return path


def _lacks_final_newline(path: Path) -> bool:
    if not path.is_file() or path.stat().st_size == 0:
        return False
    with path.open("rb") as data:
        data.seek(-1, os.SEEK_END)
        return data.read(1) != b"\n"
