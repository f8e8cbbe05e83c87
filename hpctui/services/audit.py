"""The audit log: every state-changing command hpctui ran on a cluster, one JSON object a line.

Appends are single ``write`` calls on a file opened in append mode, so two hpctui processes
(the TUI and a CLI call) can share the log without interleaving lines.
"""

from __future__ import annotations

import json
import os
import shlex
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import platformdirs

from hpctui.slurm.commands import without_env_prefix

# What each kind of audited command did, said when it went through.
_DONE = {"cancel": "cancelled", "requeue": "requeued", "hold": "held", "release": "released", "save script": "saved"}


def state_dir() -> Path:
    """``$XDG_STATE_HOME/hpctui`` (``~/.local/state/hpctui`` when unset)."""
    return platformdirs.user_state_path("hpctui")


@dataclass(frozen=True)
class AuditEntry:
    time: float  # time.time() when the command finished
    cluster: str
    command: str
    ok: bool
    result: str  # what the cluster answered (Slurm's words), or why it could not run
    exit_status: int | None = None  # None when the command never completed (link down, timeout)

    @property
    def status(self) -> str:
        """ok, refused (the cluster said no), or unconfirmed (no answer: link down, timeout)."""
        return "ok" if self.ok else "refused" if self.exit_status is not None else "unconfirmed"

    @property
    def when(self) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.time))

    @property
    def action(self) -> str:
        """What the command was for, verb first: ``cancel 123 (alpha)``."""
        verb, target = action_of(self.command)
        return f"{verb} {target} ({self.cluster})".replace("  ", " ")

    @property
    def answer(self) -> str:
        """What happened, per verb (``held``, ``submitted as job 124``), or the cluster's refusal
        in its own words, or why nobody knows."""
        if not self.ok:
            first = self.result.strip().replace("\n", " | ")
            return first if self.status == "unconfirmed" else f"refused: {first}"
        verb = action_of(self.command)[0]
        if verb == "submit":
            job = self.result.strip().split(";")[0]
            return f"submitted as job {job}" if job.isdigit() else "submitted"
        return _DONE.get(verb, "done")


class AuditLog:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else state_dir() / "audit.log"

    def append(self, cluster: str, command: str, ok: bool, result: str, exit_status: int | None = None) -> AuditEntry:
        entry = AuditEntry(time.time(), cluster, command, ok, result, exit_status)
        append_json_line(self.path, asdict(entry))
        return entry

    def entries(self) -> list[AuditEntry]:
        """All entries, oldest first. A line that is not an entry (a torn write after a crash)
        is returned as a failed entry quoting the line, never dropped silently."""
        return [_entry(line, data) for line, data in json_lines(self.path)]


def append_json_line(path: Path, data: dict[str, object]) -> None:
    """Append one JSON object as one line, in one write (safe with several writers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(data, ensure_ascii=False) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def json_lines(path: Path) -> list[tuple[str, dict[str, Any] | None]]:
    """Each non-empty line with its JSON object (None when the line is not one)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    result: list[tuple[str, dict[str, Any] | None]] = []
    for line in text.splitlines():
        if line.strip():
            try:
                data = json.loads(line)
            except ValueError:
                data = None
            result.append((line, data if isinstance(data, dict) else None))
    return result


def _entry(line: str, data: dict[str, Any] | None) -> AuditEntry:
    try:
        assert data is not None
        return AuditEntry(
            time=float(data["time"]),
            cluster=str(data["cluster"]),
            command=str(data["command"]),
            ok=bool(data["ok"]),
            result=str(data["result"]),
            exit_status=data.get("exit_status"),
        )
    except (AssertionError, ValueError, KeyError, TypeError):
        return AuditEntry(0.0, "?", "?", False, f"unreadable audit line: {line}")


def action_of(command: str) -> tuple[str, str]:
    """(verb, what it acts on) of an audited command: ``scancel --verbose 123`` -> (cancel, 123),
    ``scontrol hold 123`` -> (hold, 123), ``... sbatch ... SCRIPT`` -> (submit, SCRIPT)."""
    try:
        words = shlex.split(without_env_prefix(command))
    except ValueError:
        return "run", command
    for at, word in enumerate(words):
        rest = [w for w in words[at + 1 :] if not w.startswith("-")]
        if word == "scancel":
            return "cancel", " ".join(rest)
        if word == "scontrol" and rest[:1] in (["requeue"], ["hold"], ["release"]):
            return rest[0], " ".join(rest[1:2])
        if word == "scontrol" and rest[:1] == ["write"]:
            return "save script", " ".join(rest[2:3])
        if word == "sbatch":
            return "submit", " ".join(rest[:1])
        if word == "cat" and words[at + 1 : at + 2] == [">"]:
            return "save script", " ".join(words[at + 2 : at + 3])
    return "run", words[0] if words else ""
