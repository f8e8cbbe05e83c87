"""Small text formatters shared by the UI and the CLI: durations, ages, times, counts (pure, no Textual)."""

from __future__ import annotations

from collections.abc import Sequence


def duration(seconds: int | None) -> str:
    """Slurm-style duration: ``M:SS``, ``H:MM:SS`` or ``D-HH:MM:SS``; None is unlimited."""
    if seconds is None:
        return "∞"
    days, rest = divmod(max(0, seconds), 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}-{hours:02d}:{minutes:02d}:{secs:02d}"
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def time_limit(seconds: int | None, partition_limit: bool = False) -> str:
    """A job's time limit; "partition" when accounting says it had none of its own (not ∞)."""
    return "partition" if partition_limit else duration(seconds)


def age(seconds: float) -> str:
    """How long ago, coarse and calm: ``4 s``, ``3 min``, ``2 h``."""
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def short_time(iso: str | None) -> str:
    """``2024-05-01T12:34:56`` -> ``05-01 12:34``; Slurm's placeholders become empty."""
    if not iso or iso in ("N/A", "Unknown", "None") or len(iso) < 16:
        return ""
    return f"{iso[5:10]} {iso[11:16]}"


def plural(count: int, word: str) -> str:
    """``1 line``, ``0 lines``, ``12,345 lines``: the noun takes an s unless the count is one."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def some_ids(ids: Sequence[str], shown: int = 5) -> str:
    """The first ``shown`` of ``ids`` and how many more: a log line stays a line."""
    head = ", ".join(ids[:shown])
    return head if len(ids) <= shown else f"{head} and {len(ids) - shown} more"
