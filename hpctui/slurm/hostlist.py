"""Slurm hostlist expressions: ``t006-[007,009-010]``, ``a[01-03]b[1-2]``, ``gpu1,cpu[1-4]``.

Written here rather than taken from python-hostlist: that package is GPL-2.0-or-later and
hpctui is MIT, and the part needed (expansion, lazily) is small.

Rules, as Slurm's hostlist.c applies them: commas outside brackets separate entries; inside
brackets a comma list of numbers and ``lo-hi`` ranges; the width of ``lo`` is kept as zero
padding (``[08-10]`` gives 08, 09, 10); several bracket groups in one entry give every
combination, the first group varying slowest.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from hpctui.slurm.errors import SlurmParseError

MAX_HOSTS = 1 << 20  # a list longer than this is a typo or an attack, not a cluster


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def iter_range_list(text: str) -> Iterator[str]:
    """The numbers of a range list such as ``007,009-010`` or ``0-3``, zero padding kept."""
    for item in text.split(","):
        low, dash, high = item.partition("-")
        if not _is_digits(low) or (dash and not _is_digits(high)):
            raise SlurmParseError(f"bad range {item!r} in {text!r}")
        if not dash:
            yield low
            continue
        if int(high) < int(low) or int(high) - int(low) >= MAX_HOSTS:
            raise SlurmParseError(f"bad range {item!r} in {text!r}")
        width = len(low)
        for number in range(int(low), int(high) + 1):
            yield str(number).zfill(width)


def split_outside(text: str, brackets: str = "[]") -> list[str]:
    """Split on commas outside ``brackets`` (not nested): ``a[1,2],b`` has two entries."""
    opening, closing = brackets[0], brackets[1]
    entries, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == opening:
            depth += 1
        elif char == closing:
            depth -= 1
        elif char == "," and depth == 0:
            entries.append(text[start:index])
            start = index + 1
        if depth not in (0, 1):
            raise SlurmParseError(f"unbalanced {brackets} in {text[:120]!r}")
    if depth:
        raise SlurmParseError(f"unbalanced {brackets} in {text[:120]!r}")
    entries.append(text[start:])
    return entries


def _iter_entry(entry: str) -> Iterator[str]:
    """Every host of one entry (no commas outside brackets), the first group varying slowest."""
    literal, bracket, rest = entry.partition("[")
    if not bracket:
        yield literal
        return
    group, _, rest = rest.partition("]")
    for number in iter_range_list(group):
        for tail in _iter_entry(rest):
            yield literal + number + tail


def iter_hosts(text: str) -> Iterator[str]:
    """The hosts of a hostlist expression, in Slurm's order, lazily ("" and "(null)": none)."""
    if text in ("", "(null)", "None assigned"):
        return
    for entry in split_outside(text):
        if not entry:
            raise SlurmParseError(f"empty entry in host list {text!r}")
        yield from _iter_entry(entry)


def expand_hostlist(text: str) -> list[str]:
    """Every host of ``text``; SlurmParseError when malformed or longer than MAX_HOSTS."""
    hosts = list(islice(iter_hosts(text), MAX_HOSTS + 1))
    if len(hosts) > MAX_HOSTS:
        raise SlurmParseError(f"host list {text[:80]!r} names more than {MAX_HOSTS} hosts")
    return hosts


def first_host(text: str) -> str:
    """The first host of ``text`` ("" when it names none or cannot be read): what ``%N``
    expands to in a batch job's output path."""
    if "[" not in text and "]" not in text:
        return "" if text in ("(null)", "None assigned") else text.partition(",")[0]
    try:
        return next(iter_hosts(text), "")
    except SlurmParseError:
        return ""
