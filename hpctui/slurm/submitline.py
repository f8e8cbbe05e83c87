"""Reading accounting's SubmitLine: the sbatch command line a job was submitted with.

Slurm 22.05 stores it as the arguments joined by single spaces, quotes lost:
``sbatch -J "my run" t.sh "a b"`` is kept as ``sbatch -J my run t.sh a b``. So a line can have
several readings: the words after a free-text value (a job name, a path, ``--export`` values)
may belong to it, and the script or its arguments may hold spaces. This module lists every
reading sbatch would have accepted (no unknown option, no script with ``--wrap``), keeps those
that agree with what Slurm still knows (the job name, the ``Command=`` line), and says in
plain words what stays ambiguous. Where the line still carries quotes, it is read as a shell
would (``shlex``) and has one reading.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from hpctui.slurm.sbatch_options import TEXT_VALUES, Given, Read, is_option, read_option, read_words

_MAX_READINGS = 256


@dataclass(frozen=True)
class Facts:
    """What Slurm still knows about the job, to tell the readings apart."""

    job_name: str | None = None  # JobName
    command: str | None = None  # scontrol's Command= (script path and arguments; relative if typed with a directory)


@dataclass(frozen=True)
class SubmitLine:
    text: str
    readings: tuple[Read, ...]  # what the line can mean, the most literal first; () if unreadable

    @property
    def chosen(self) -> Read:
        return self.readings[0] if self.readings else Read((), (), ())

    @property
    def options(self) -> tuple[Given, ...]:
        return self.chosen.options

    @property
    def operands(self) -> tuple[str, ...]:
        """The script and its arguments; empty for ``--wrap`` jobs."""
        return self.chosen.operands

    def get(self, name: str) -> str | None:
        """The value of option ``name`` (the last one wins, as in sbatch); "" for a flag."""
        found = [g for g in self.options if g.name == name]
        return None if not found else (found[-1].value or "")

    def narrowed(self, keep: Callable[[Read], bool]) -> SubmitLine:
        """Only the readings ``keep`` accepts, unless it accepts none (then nothing is learnt)."""
        kept = tuple(r for r in self.readings if keep(r))
        return SubmitLine(self.text, kept) if kept else self

    def ambiguity(self) -> str | None:
        """What stays ambiguous, in plain words; None when the line has one meaning."""
        if not self.text.strip():
            return None
        if not self.readings:
            return f"accounting's SubmitLine could not be read as an sbatch command: {self.text}"
        if len(self.readings) == 1:
            return None
        shown = [f"({k}) {_describe(r, self.readings)}" for k, r in enumerate(self.readings[:3], 1)]
        more = f" and {len(self.readings) - 3} more" if len(self.readings) > 3 else ""
        return (
            f"accounting's SubmitLine lost its quotes and can be read {len(self.readings)} ways: "
            f"{'; '.join(shown)}{more}. Reading (1) is used."
        )


def parse_submit_line(line: str, facts: Facts = Facts()) -> SubmitLine:
    """Every reading of ``line`` that agrees with ``facts``, the most literal first."""
    words, quoted = _words(line)
    if quoted:
        found = read_words(words)
        readings: tuple[Read, ...] = (found,) if not found.unknown else ()
    else:
        readings = tuple(_valid(_readings(words)))
    parsed = SubmitLine(line, readings)
    if facts.job_name is not None:
        parsed = parsed.narrowed(lambda r: _names_job(r, facts.job_name or ""))
    if facts.command:
        parsed = parsed.narrowed(lambda r: _runs_command(r, facts.command or ""))
    return parsed


def _words(line: str) -> tuple[list[str], bool]:
    """The words after ``sbatch``, and whether the line kept its quotes. Quotes count as kept
    only where they group words with blanks (``-J 'my run'``): 22.05 never writes those, so a
    lone quote character (``--comment=it's``, ``--comment="x"``) is the value's own."""
    words = line.split(" ") if line.strip() else []
    quoted = False
    if any(c in line for c in "'\"\\"):
        try:
            split = shlex.split(line)
        except ValueError:
            split = []
        if any(any(c.isspace() for c in word) for word in split):
            words, quoted = split, True
    if words and posixpath.basename(words[0]) == "sbatch":
        words = words[1:]
    return words, quoted


def _readings(words: Sequence[str]) -> Iterator[Read]:
    """Each way to read ``words`` where a free-text value may have swallowed following words."""
    pending: list[tuple[int, tuple[Given, ...]]] = [(0, ())]
    produced = 0
    while pending and produced < _MAX_READINGS:
        start, options = pending.pop()
        if start >= len(words) or not is_option(words[start]) or words[start] == "--":
            skip = 1 if start < len(words) and words[start] == "--" else 0
            produced += 1
            yield Read(options, tuple(words[start + skip :]), ())
            continue
        found, used, unknown = read_option(words[start], words[start + 1] if start + 1 < len(words) else None)
        if unknown:
            continue  # sbatch accepted the real line: this reading is not it
        end = start + 1 + used
        last = found[-1] if found else None
        if last is None or last.name not in TEXT_VALUES or last.value is None:
            pending.append((end, options + tuple(found)))
            continue
        for extra in range(len(words) - end, -1, -1):  # pushed in reverse: fewest words first
            swallowed = words[end : end + extra]
            longer = Given(last.name, " ".join([last.value, *swallowed]), " ".join([last.spelled, *swallowed]))
            pending.append((end + extra, options + tuple(found[:-1]) + (longer,)))


def _valid(readings: Iterator[Read]) -> Iterator[Read]:
    """Readings sbatch accepts: ``--wrap`` takes no script, anything else needs one."""
    for reading in readings:
        wraps = any(g.name == "wrap" for g in reading.options)
        if wraps != bool(reading.operands):
            yield reading


def _names_job(reading: Read, job_name: str) -> bool:
    """The reading gives the job this name: its ``--job-name``, else the script's file name
    (sbatch's default), else ``wrap`` for ``--wrap`` jobs."""
    names = [g.value for g in reading.options if g.name == "job-name"]
    if names:
        return names[-1] == job_name
    if not reading.operands:
        return job_name == "wrap"
    return any(
        posixpath.basename(" ".join(reading.operands[:n])) == job_name for n in range(1, len(reading.operands) + 1)
    )


def _runs_command(reading: Read, command: str) -> bool:
    """The reading's script and arguments are ``Command=``, or its end (a bare name typed comes back absolute)."""
    typed = " ".join(reading.operands)
    while typed.startswith("./"):
        typed = typed[2:]
    return bool(typed) and (command == typed or command.endswith("/" + typed))


def _describe(reading: Read, others: Sequence[Read]) -> str:
    """The parts of ``reading`` that differ between the readings."""
    differing = sorted(
        {g.name for r in others for g in r.options} - {g.name for g in _common(others)},
    )
    parts = [f"--{g.name}={shlex.quote(g.value or '')}" for g in reading.options if g.name in differing]
    script = " ".join(shlex.quote(w) for w in reading.operands)
    parts.append(f"script and arguments: {script}" if script else "no script (--wrap)")
    return ", ".join(parts)


def _common(readings: Sequence[Read]) -> set[Given]:
    first = set(readings[0].options)
    for reading in readings[1:]:
        first &= set(reading.options)
    return first
