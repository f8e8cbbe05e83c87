"""What can go wrong between a Slurm command and its model: the command said no, or it
printed something we cannot read.

Slurm clients print their errors on one line, in a few shapes (all seen on 22.05)::

    slurm_load_jobs error: Unable to contact slurm controller (connect failure)
    slurm_load_partitions: Unable to contact slurm controller (connect failure)
    squeue: error: Invalid user: nobody-here
    sbatch: error: Batch job submission failed: Invalid partition name specified
    scancel: error: Kill job error on job id 12: Invalid job id specified
    slurm_load_jobs error: Rate limit exceeded, please retry momentarily   (23.02+, rl_enable)

and sometimes with exit status 0, so the text itself is checked, not only the status.
"""

from __future__ import annotations

from typing import Protocol

from hpctui.slurm.formats import DELIMITER

# Messages of an overloaded or rate-limiting controller: ask it less often, not again at once.
# "Rate limit exceeded, please retry momentarily" is SLURMCTLD_COMMUNICATIONS_BACKOFF
# (src/common/slurm_errno.c, Slurm 23.02+ with SlurmctldParameters=rl_enable).
BUSY_PHRASES = (
    "Unable to contact slurm controller",
    "Socket timed out on send/recv operation",
    "Zero Bytes were transmitted or received",
    "Rate limit exceeded",
)
# Messages that mean "no answer from Slurm", whatever prefix the client puts before them.
_PHRASES = (*BUSY_PHRASES, "Invalid user", "command not found")
_SHELLS = frozenset({"sh", "bash", "env", "zsh", "dash", "ksh", "tcsh", "csh"})


class SlurmProblem(Exception):
    """Base of everything the pure Slurm layer raises."""


class SlurmError(SlurmProblem):
    """A Slurm command reported an error; ``str(error)`` is its first error line."""

    def __init__(self, message: str, lines: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.lines = lines or (message,)

    @property
    def busy(self) -> bool:
        """The controller is overloaded, unreachable or rate-limiting us: poll it less often."""
        return any(phrase in line for line in self.lines for phrase in BUSY_PHRASES)


class SlurmParseError(SlurmProblem):
    """Output that does not have the shape we asked Slurm for."""


def is_error_line(line: str) -> bool:
    """True when ``line`` is a Slurm client (or shell) error message, not data.

    Data rows of our formats always contain the delimiter, so they never count.
    """
    line = line.strip()
    if not line or DELIMITER in line:
        return False
    head, sep, rest = line.partition(": ")
    if sep:
        words = head.split()
        if words in (["error"], ["fatal"]):
            return True
        if len(words) == 2 and words[1] == "error" and words[0].isidentifier():
            return True  # "slurm_load_jobs error: ..."
        if len(words) == 1 and rest.startswith(("error:", "fatal:")):
            return True  # "squeue: error: ..."
        if len(words) == 1 and head.startswith("slurm_") and not rest.startswith("warning"):
            return True  # "slurm_load_partitions: Unable to contact ..."
        if head in _SHELLS or head.split(":")[0] in _SHELLS:
            return "not found" in rest or "No such file" in rest
    return any(phrase in line for phrase in _PHRASES)


def error_lines(text: str) -> tuple[str, ...]:
    """Every error line of ``text``, stripped, in order."""
    return tuple(line.strip() for line in text.splitlines() if is_error_line(line))


def check_errors(text: str) -> None:
    """Raise SlurmError when ``text`` holds a Slurm error line (whatever the exit status)."""
    lines = error_lines(text)
    if lines:
        raise SlurmError(lines[0], lines)


class Section(Protocol):
    """What one command of a combined poll printed (``models.PollSection``; not imported
    here, as the models read file names with the host lists, which raise these errors)."""

    @property
    def name(self) -> str: ...
    @property
    def stdout(self) -> str: ...
    @property
    def stderr(self) -> str: ...
    @property
    def status(self) -> int: ...


def check_section(section: Section) -> None:
    """Raise SlurmError when one command of a poll failed: an error line or a bad status."""
    check_errors(section.stderr)
    check_errors(section.stdout)
    if section.status != 0:
        detail = section.stderr.strip().splitlines()[:1]
        why = f": {detail[0]}" if detail else ""
        raise SlurmError(f"{section.name} exited with status {section.status}{why}")
