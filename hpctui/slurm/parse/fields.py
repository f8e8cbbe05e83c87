"""Readers of single Slurm values (durations, sizes, counts) and of delimited rows."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from hpctui.slurm.errors import SlurmParseError, check_errors
from hpctui.slurm.formats import DELIMITER

T = TypeVar("T")

# Values that mean "no value" in squeue/sinfo/sacct output.
NULLS = frozenset({"", "N/A", "(null)", "None", "Unknown", "NONE", "n/a"})
# Upper-cased: sinfo prints "infinite", squeue "UNLIMITED", sacct "Partition_Limit".
_NO_DURATION = frozenset({"UNLIMITED", "INFINITE", "PARTITION_LIMIT", "NOT_SET", "INVALID", "N/A", ""})
_SIZE_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50, "E": 1 << 60}


def optional(value: str) -> str | None:
    """``value``, or None for Slurm's spellings of nothing ("N/A", "(null)", "Unknown", "")."""
    return None if value in NULLS else value


def is_number(text: str) -> bool:
    """ASCII digits only (``str.isdigit`` also accepts "²", which ``int`` rejects)."""
    return text.isascii() and text.isdigit()


def parse_int(value: str, what: str) -> int:
    """A non-negative whole number, or SlurmParseError naming ``what``."""
    if not is_number(value):
        raise SlurmParseError(f"{what}: expected a whole number, got {value!r}")
    return int(value)


def parse_duration(value: str) -> int | None:
    """Seconds of a Slurm duration; None for UNLIMITED, Partition_Limit, INVALID, N/A.

    Accepts every form Slurm prints or takes: ``M``, ``M:S``, ``H:M:S``, ``D-H``,
    ``D-H:M``, ``D-H:M:S`` (e.g. ``0:05``, ``30:00``, ``02:03:04``, ``1-02:03:04``).
    """
    if value.upper() in _NO_DURATION:
        return None
    days_text, dash, clock = value.rpartition("-")
    parts = clock.split(":")
    if len(parts) > 3 or not all(map(is_number, parts)):
        raise SlurmParseError(f"not a duration: {value!r}")
    if dash:
        if not is_number(days_text):
            raise SlurmParseError(f"not a duration: {value!r}")
        hours, minutes, seconds = (*map(int, parts), 0, 0)[:3]
        return ((int(days_text) * 24 + hours) * 60 + minutes) * 60 + seconds
    numbers = list(map(int, parts))
    if len(numbers) == 1:
        return numbers[0] * 60  # bare minutes
    if len(numbers) == 2:
        return numbers[0] * 60 + numbers[1]
    return (numbers[0] * 60 + numbers[1]) * 60 + numbers[2]


def parse_cpu_time(value: str) -> float | None:
    """Seconds of sacct's TotalCPU/UserCPU and sstat's AveCPU: ``00:01:02``, ``1-02:03:04`` or
    ``01:02.345`` (MM:SS.mmm); None for Slurm's spellings of nothing."""
    if value in NULLS:
        return None
    whole, dot, fraction = value.partition(".")
    if dot and not is_number(fraction):
        raise SlurmParseError(f"not a CPU time: {value!r}")
    seconds = parse_duration(whole if ":" in whole else f"0:{whole}")
    if seconds is None:
        return None
    return seconds + (float(f"0.{fraction}") if dot else 0.0)


def parse_size(value: str) -> int | None:
    """Bytes of a size like ``1234K``, ``2.5G`` or ``0`` (binary units); None when empty."""
    if value in NULLS:
        return None
    multiplier = _SIZE_UNITS.get(value[-1:].upper())
    number = value[:-1] if multiplier else value
    multiplier = multiplier or 1
    try:
        amount = float(number)
    except ValueError:
        raise SlurmParseError(f"not a size: {value!r}") from None
    if not (0 <= amount < 1e30) or not is_number(number.replace(".", "", 1)):
        raise SlurmParseError(f"not a size: {value!r}")
    return round(amount * multiplier)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a big output becomes models: the collector would
    run again and again over the young objects (a quarter of the time on 100k rows), and
    parsed rows make no reference cycles. Left as found if it was already off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def reject(problem: SlurmParseError, warnings: list[str] | None) -> None:
    """Raise ``problem``; or, when the caller collects ``warnings``, note it there and go on."""
    if warnings is None:
        raise problem
    warnings.append(str(problem))


def _logical_lines(text: str, width: int) -> Iterator[list[str]]:
    """The non-empty lines of ``text`` split at the delimiter, a line with fewer than
    ``width`` fields joined to the next one(s) with "\n" while they fit: Slurm prints a job
    name that holds a newline (``sbatch -J "$(printf 'a\nb')"``) as it is."""
    pending: list[str] | None = None
    for line in text.split("\n"):  # not splitlines(): names may hold \x0b, \x85, \u2028
        fields = line.split(DELIMITER)
        continued = False
        if pending is not None:
            joined = [*pending[:-1], f"{pending[-1]}\n{fields[0]}", *fields[1:]]
            continued = len(joined) <= width
            if continued:
                fields = joined
            else:
                yield pending  # a short row that the next line does not complete
            pending = None
        if not continued:
            if not line:
                continue
            if len(fields) < width:
                check_errors(line)
        if len(fields) < width:
            pending = fields
        else:
            yield fields
    if pending is not None:
        yield pending


def rows(text: str, width: int, *, trailing: bool, warnings: list[str] | None = None) -> Iterator[list[str]]:
    """Split delimited output into rows of ``width`` fields.

    ``trailing``: every row ends with the delimiter (``--Format`` output). Lines that are
    Slurm error messages raise SlurmError; other lines that are not rows are rejected.
    """
    expected = width + 1 if trailing else width
    for fields in _logical_lines(text, expected):
        if len(fields) != expected or (trailing and fields[-1]):
            line = DELIMITER.join(fields)
            check_errors(line)
            reject(SlurmParseError(f"expected {width} fields, got {len(fields) - trailing}: {line[:120]!r}"), warnings)
            continue
        yield fields


def reject_record(fields: list[str], problem: SlurmParseError, warnings: list[str] | None) -> None:
    """``reject`` a record that ``problem`` makes unreadable, named by its first field."""
    reject(SlurmParseError(f"skipped {fields[0][:60]!r}: {problem}"), warnings)


def parse_rows(records: Iterable[list[str]], parse: Callable[[list[str]], T], warnings: list[str] | None) -> list[T]:
    """``parse`` of every record; one that fails is rejected alone (see ``reject``)."""
    parsed = []
    for fields in records:
        try:
            parsed.append(parse(fields))
        except SlurmParseError as exc:
            reject_record(fields, exc, warnings)
    return parsed
