"""Smaller outputs: ``scontrol show job``, ``sbatch --parsable`` and the combined poll."""

from __future__ import annotations

import re

from hpctui.slurm.errors import SlurmParseError, check_errors
from hpctui.slurm.formats import SECTION_MARK
from hpctui.slurm.models import PollSection
from hpctui.slurm.parse.fields import is_number

# "Key=" at the start of a line or after a space; keys look like JobId, MCS_label,
# AllocNode:Sid, CPUs/Task, ReqB:S:C:T, JOB_GRES.
_KEY = re.compile(r"(?:^| )([A-Za-z][A-Za-z0-9_:/]*)=")
# Free text that may hold spaces and "x=y": the value runs to the end of its line.
_REST_OF_LINE = frozenset({"JobName", "Command", "WorkDir", "StdErr", "StdIn", "StdOut",
                           "Comment", "AdminComment", "SystemComment"})  # fmt: skip
_SBATCH_ID = re.compile(r"(?:Submitted batch job )?(\d+)(?:;\S+)?")


def _pairs(line: str) -> list[tuple[str, str]]:
    matches = list(_KEY.finditer(line))
    if not matches or matches[0].start() != 0:
        check_errors(line)
        raise SlurmParseError(f"not a Key=value line: {line[:120]!r}")
    pairs = []
    for index, match in enumerate(matches):
        key = match.group(1)
        if key in _REST_OF_LINE or index + 1 == len(matches):
            pairs.append((key, line[match.end() :]))
            break
        pairs.append((key, line[match.end() : matches[index + 1].start()]))
    return pairs


def parse_scontrol_job(text: str) -> dict[str, str]:
    """``Key=value`` pairs of the first job in ``scontrol show job`` output.

    Values may contain spaces (``WorkDir=/home/u/my job``). Keys repeated on the ``-d``
    per-node lines (``Nodes=``, ``GRES=``) keep their last value. A line that does not
    start with ``Key=`` continues the value before it: scontrol prints a newline of a job
    name (``sbatch -J "$(printf 'a\nb')"``) as it is.
    """
    result: dict[str, str] = {}
    last_key = ""
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            if result:
                break
            continue
        if last_key and not _KEY.match(line):
            result[last_key] += "\n" + raw
            continue
        pairs = _pairs(line)
        result.update(pairs)
        last_key = pairs[-1][0]
    if "JobId" not in result:
        check_errors(text)
        raise SlurmParseError("scontrol output has no JobId")
    return result


def parse_sbatch(text: str) -> str:
    """The job id ``sbatch --parsable`` (``123`` or ``123;cluster``) or plain sbatch printed."""
    check_errors(text)
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    match = _SBATCH_ID.fullmatch(lines[-1]) if lines else None
    if not match:
        raise SlurmParseError(f"no job id in sbatch output: {text[:120]!r}")
    return match.group(1)


def split_poll(text: str) -> dict[str, PollSection]:
    """The sections of ``poll_command`` output, by command name.

    Anything before the first mark (a chatty shell start-up file) is ignored. A section
    without its ``err`` part means the output was cut: SlurmParseError.
    """
    sections: dict[str, PollSection] = {}
    pending: tuple[str, str] | None = None  # (name, stdout) waiting for its err part
    for chunk in text.split(SECTION_MARK)[1:]:
        header, _, body = chunk.partition("\n")
        words = header.split(" ")
        if words[0] == "out" and len(words) == 2 and pending is None:
            pending = (words[1], body)
        elif words[0] == "err" and len(words) == 3 and pending and pending[0] == words[1]:
            status = words[2]
            if not is_number(status):
                raise SlurmParseError(f"bad exit status in poll output: {header!r}")
            stderr = body[:-1] if body.endswith("\n") else body
            sections[words[1]] = PollSection(words[1], pending[1], stderr, int(status))
            pending = None
        else:
            raise SlurmParseError(f"unexpected poll section header: {header[:80]!r}")
    if pending is not None:
        raise SlurmParseError(f"poll output ended inside the {pending[0]} section")
    if not sections:
        check_errors(text)
        raise SlurmParseError("no poll sections in output")
    return sections


def parse_scontrol_oneliners(text: str) -> list[dict[str, str]]:
    """One dict of ``Key=value`` pairs per record of ``scontrol --oneliner show ...`` output."""
    return [dict(_pairs(line.strip())) for line in text.split("\n") if line.strip()]
