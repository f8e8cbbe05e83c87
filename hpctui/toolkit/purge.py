"""`hpctui purge-check`, the pure part: the remote find, its parsing, a per-directory summary.

Sites delete files nobody touched for ``purge.days`` (42-90 days on Saga, Betzy, LUMI). A file
is at risk when BOTH its access and modification times are older than ``days - margin_days``.
The remote ``find`` prints ``ATIME MTIME SIZE PATH`` records, NUL-terminated (paths may hold
anything but NUL), capped at ``limit`` records so a huge scratch directory cannot flood the
link. The TUI runs ``purge_command`` over the link (``PURGE_TIMEOUT_S``), then ``parse_purge``,
and shows ``PurgeReport.badge`` when it is not None.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable
from dataclasses import dataclass

from hpctui.config.model import Cluster
from hpctui.toolkit.transfer import iec_bytes

DAY_S = 86400
DEFAULT_LIMIT = 20_000  # records at most (about 2 MB)
PURGE_TIMEOUT_S = 900.0  # a find over a parallel file system can take minutes


class PurgeParseError(ValueError):
    """The remote answer did not have the expected shape."""


def threshold_days(days: int, margin_days: int) -> int:
    return max(0, days - margin_days)


def purge_command(dirs: Iterable[str], threshold: int, limit: int = DEFAULT_LIMIT) -> str:
    """The remote clock, one ``ok``/``missing`` line per directory, then the at-risk records."""
    dirs = list(dirs)
    if not dirs:
        raise ValueError("purge_command needs at least one directory (find would search the home directory)")
    minutes = threshold * 24 * 60
    script = (
        "date +%s; "
        'for d in "$@"; do if test -d "$d"; then echo ok; else echo missing; fi; done; '
        f"find \"$@\" -type f -amin +{minutes} -mmin +{minutes} -printf '%A@ %T@ %s %p\\0' 2>/dev/null "
        f"| head -z -n {limit + 1}"
    )
    return f"sh -c {shlex.quote(script)} sh {' '.join(shlex.quote(d) for d in dirs)}"


@dataclass(frozen=True)
class DirSummary:
    directory: str  # a purge dir, or its first-level subdirectory holding the files
    files: int
    bytes: int
    oldest_age_days: float  # since the least recently touched file was last read or written

    def purge_in_days(self, days: int) -> float:
        """Days until the site may delete the oldest file (<= 0: it may be deleted now)."""
        return days - self.oldest_age_days


@dataclass(frozen=True)
class PurgeReport:
    cluster: str
    days: int
    margin_days: int
    dirs: tuple[str, ...]
    missing: tuple[str, ...]  # configured directories that do not exist
    groups: tuple[DirSummary, ...]  # oldest first
    truncated: bool  # more files are at risk than were listed

    @property
    def threshold(self) -> int:
        return threshold_days(self.days, self.margin_days)

    @property
    def files(self) -> int:
        return sum(g.files for g in self.groups)

    @property
    def bytes(self) -> int:
        return sum(g.bytes for g in self.groups)

    @property
    def badge(self) -> str | None:
        """A short warning for the TUI (``purge: 12 files, 3.4 GiB``), None when nothing is at risk."""
        if not self.groups:
            return None
        more = "+" if self.truncated else ""
        return f"purge: {self.files}{more} files, {iec_bytes(self.bytes)}"

    def as_dict(self) -> dict[str, object]:
        return {
            "cluster": self.cluster, "days": self.days, "margin_days": self.margin_days,
            "threshold_days": self.threshold, "dirs": list(self.dirs), "missing": list(self.missing),
            "files": self.files, "bytes": self.bytes, "truncated": self.truncated,
            "groups": [
                {"directory": g.directory, "files": g.files, "bytes": g.bytes,
                 "oldest_age_days": round(g.oldest_age_days, 1),
                 "purge_in_days": round(g.purge_in_days(self.days), 1)}
                for g in self.groups
            ],
        }  # fmt: skip


def parse_purge(cluster: Cluster, output: str, margin_days: int, limit: int = DEFAULT_LIMIT) -> PurgeReport:
    """What ``purge_command(cluster.purge.dirs, ...)`` printed (``Result.stdout``) -> a PurgeReport."""
    dirs = cluster.purge.dirs
    head = output.split("\n", len(dirs) + 1)
    if len(head) < len(dirs) + 1:
        raise PurgeParseError(f"{cluster.name}: short answer from the purge check: {output[:200]!r}")
    try:
        now = float(head[0])
    except ValueError:
        raise PurgeParseError(f"{cluster.name}: expected the remote clock, got {head[0][:80]!r}") from None
    missing = tuple(d for d, state in zip(dirs, head[1 : len(dirs) + 1], strict=False) if state.strip() != "ok")
    records = head[-1].split("\0")[:-1] if len(head) == len(dirs) + 2 else []  # "" after the last NUL
    groups: dict[str, list[float]] = {}
    for record in records[:limit]:
        atime, mtime, size, path = _record(record)
        age = (now - max(atime, mtime)) / DAY_S
        stats = groups.setdefault(group_of(path, dirs), [0, 0, 0.0])
        stats[0] += 1
        stats[1] += size
        stats[2] = max(stats[2], age)
    summaries = sorted(
        (DirSummary(directory, int(n), int(total), oldest) for directory, (n, total, oldest) in groups.items()),
        key=lambda g: (-g.oldest_age_days, g.directory),
    )
    return PurgeReport(cluster.name, cluster.purge.days or 0, margin_days, dirs, missing, tuple(summaries),
                       len(records) > limit)  # fmt: skip


def _record(record: str) -> tuple[float, float, int, str]:
    try:
        atime, mtime, size, path = record.split(" ", 3)
        return float(atime), float(mtime), int(size), path
    except ValueError:
        raise PurgeParseError(f"unexpected find record: {record[:200]!r}") from None


def group_of(path: str, dirs: Iterable[str]) -> str:
    """The purge dir holding ``path`` plus its first component below: where the user looks."""
    roots = [d.rstrip("/") or "/" for d in dirs]
    root = max((r for r in roots if path.startswith(r.rstrip("/") + "/")), key=len, default="")
    if not root:
        return path.rsplit("/", 1)[0] or "/"
    rest = path[len(root.rstrip("/")) + 1 :]
    first, sep, _ = rest.partition("/")
    return f"{root.rstrip('/')}/{first}" if sep else root
