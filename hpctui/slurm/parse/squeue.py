"""squeue rows (the ``SQUEUE_FIELDS`` format) to ``Job`` models."""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from typing import cast

from hpctui.slurm.errors import SlurmParseError, check_errors
from hpctui.slurm.formats import DELIMITER, GROUP_END, ROW_END, SQUEUE_OWN_FIELDS, SQUEUE_SHARED_FIELDS
from hpctui.slurm.hostlist import first_host
from hpctui.slurm.models import Job
from hpctui.slurm.parse.fields import NULLS, gc_paused, is_number, parse_duration, parse_int, reject, reject_record
from hpctui.slurm.parse.gres import job_gpus

_JOB_ID = re.compile(r"\d+(?:_(?:\d+|\[[\d,%:-]+\]))?(?:\+\d+)?")
_NO_TASK = "4294967294"  # what Slurm writes for %a outside an array (NO_VAL)


_CODES = frozenset("jJAaxuNnts")
Piece = tuple[str, str, int]  # (literal text, pattern code or "", zero-padding width)


@lru_cache(maxsize=1024)
def _pattern_pieces(pattern: str) -> tuple[Piece, ...]:
    """``pattern`` as literal text and codes: ``log_%4a.out`` -> ("log_", "a", 4), (".out", "", 0)."""
    if "\\" in pattern:  # a backslash turns expansion off (and is dropped), as in Slurm
        return ((pattern.replace("\\", ""), "", 0),)
    pieces: list[Piece] = []
    literal, rest = pattern.partition("%")[::2] if "%" in pattern else (pattern, None)
    while rest is not None:
        if rest.startswith("%"):  # "%%" is a literal "%"
            text, _, tail = rest[1:].partition("%")
            literal += "%" + text
            rest = tail if "%" in rest[1:] else None
            continue
        digits = len(rest) - len(rest.lstrip("0123456789"))
        code = rest[digits : digits + 1]
        known = code in _CODES and rest[:digits].isascii()
        if known:
            pieces.append((literal, code, min(int(rest[:digits]), 10) if digits else 0))
            literal, after = "", rest[digits + 1 :]
        else:
            literal, after = literal + "%", rest
        text, mark, tail = after.partition("%")
        literal += text
        rest = tail if mark else None
    pieces.append((literal, "", 0))
    return tuple(pieces)


# Where each code's value is among expand_filename's arguments; %n, %t and %s are constants.
_ARGUMENT_OF = {"j": 0, "J": 0, "A": 1, "a": 2, "x": 3, "u": 4, "N": 5}
_CONSTANT_OF = {"n": "0", "t": "0", "s": "batch"}


@lru_cache(maxsize=1024)
def _pattern_template(pattern: str) -> str | None:
    """``pattern`` as a ``str.format`` template over (job id, array job id, task id, name,
    user, first node), e.g. ``logs/{3}_{0}.out``; None when a code has a width (``%4a``)."""
    out = []
    for literal, code, width in _pattern_pieces(pattern):
        if width:
            return None
        out.append(literal.replace("{", "{{").replace("}", "}}"))
        if code in _CONSTANT_OF:
            out.append(_CONSTANT_OF[code])
        elif code:
            out.append(f"{{{_ARGUMENT_OF[code]}}}")
    return "".join(out)


def expand_filename(pattern: str, job_id: str, array_job_id: str | None, task_id: str | None,
                    name: str, user: str, first_node: str) -> str:  # fmt: skip
    """Expand Slurm's file name patterns as slurmstepd does for the batch step.

    squeue 22.05 prints StdOut/StdErr unexpanded (``logs/%x_%A_%a.out``). A pattern that
    contains a backslash is not expanded (backslashes are dropped), as in Slurm.
    """
    return _expand(pattern, (job_id, array_job_id or job_id, task_id or _NO_TASK, name, user, first_node))


def _expand(pattern: str, values: tuple[str, ...]) -> str:
    """``pattern`` expanded with expand_filename's values, in its order."""
    if "%" not in pattern and "\\" not in pattern:  # a plain path: many jobs' own log name
        return pattern
    template = _pattern_template(pattern)
    if template is not None:
        return template.format(*values)
    out = []
    for literal, code, width in _pattern_pieces(pattern):
        out.append(literal)
        if code:
            value = _CONSTANT_OF.get(code) or values[_ARGUMENT_OF[code]]
            out.append(value.zfill(width) if width and is_number(value) else value)
    return "".join(out)


@lru_cache(maxsize=1024)
def _uses_node(pattern: str) -> bool:
    return any(code == "N" for _, code, _ in _pattern_pieces(pattern))


def _files(stdout: str, stderr: str, nodelist: str, job_id: str, array_job_id: str | None,
           task_id: str | None, name: str, user: str) -> tuple[str | None, str | None]:  # fmt: skip
    """Expanded stdout and stderr paths (usually one file: expanded once); the first node
    is read from ``nodelist`` only when a pattern names it (%N)."""
    node = first_host(nodelist) if _uses_node(stdout) or _uses_node(stderr) else ""
    values = (job_id, array_job_id or job_id, task_id or _NO_TASK, name, user, node)
    out = None if stdout in NULLS else _expand(stdout, values)
    if stderr == stdout:
        return out, out
    return out, None if stderr in NULLS else _expand(stderr, values)


# Limits, pending times and GPU requests repeat across a user's jobs: cache what they parse to.
_duration = lru_cache(maxsize=4096)(parse_duration)


@lru_cache(maxsize=1024)
def _optional_int(text: str) -> int | None:
    """A count, or None for "*", "N/A" and NO_VAL (4294967294) and the like."""
    return int(text) if is_number(text) and len(text) < 10 else None


_SHARED_WIDTH = len(SQUEUE_SHARED_FIELDS)
_OWN_WIDTH = len(SQUEUE_OWN_FIELDS)


# Every Job field: a row's values start as a copy of its shared group's dict, which already
# holds every key, so filling in the row's own values never grows (re-hashes) the dict.
_JOB_FIELDS = tuple(field.name for field in dataclasses.fields(Job))


def _shared(text: str, cluster: str) -> dict[str, object]:
    """The Job fields of a row's shared group (``SQUEUE_SHARED_FIELDS``), the row's own
    fields None: parsed once per distinct text (a 100k-job queue has a few hundred)."""
    fields = text.split(DELIMITER)
    if len(fields) != _SHARED_WIDTH:
        raise SlurmParseError(f"expected {_SHARED_WIDTH} fields before the group end: {text[:120]!r}")
    (user, partition, state, reason, limit, nodes_text, tasks_text,
     per_job, per_node, per_socket, per_task, sockets, tres) = fields  # fmt: skip
    nodes = parse_int(nodes_text, "NumNodes")
    tasks = _optional_int(tasks_text)
    values = dict.fromkeys(_JOB_FIELDS)
    values.update(
        user=user,
        partition=partition,
        state=state,
        reason=reason,
        time_limit_s=_duration(limit),
        num_nodes=nodes,
        gpus=job_gpus(tres, per_job, per_node, per_socket, per_task, nodes, tasks, _optional_int(sockets)),
        tres=tres,
        cluster=cluster,
        num_tasks=tasks,
    )
    return values


def _unreadable(record: str) -> SlurmParseError:
    """Why ``record`` is not a row (its own group has the wrong number of fields)."""
    shared, mark, own = record.partition(GROUP_END)
    if not mark:
        return SlurmParseError(f"no group end in the row: {record[:120]!r}")
    return SlurmParseError(f"expected {_OWN_WIDTH} fields after the group end: {own[:120]!r}")


def _bad_ids(job_id: str, unique_id: str) -> SlurmParseError:
    if not (unique_id.isdigit() and unique_id.isascii()):
        return SlurmParseError(f"JobID: expected a whole number, got {unique_id[:60]!r}")
    return SlurmParseError(f"not a job id: {job_id[:60]!r}")


def _jobs(records: list[str], groups: dict[str, dict[str, object]], cluster: str,
          warnings: list[str] | None) -> dict[str, Job]:  # fmt: skip
    """The Job of each row, by its text; ``groups`` caches what each shared group parses to.

    One loop with the row's work written out in it: on a 100k-job queue a function call per
    row costs a tenth of the parse. A row that cannot be read is rejected (see ``reject``).
    """
    jobs = {}
    for record in records:
        shared, _, own = record.partition(GROUP_END)
        try:
            # Same order as SQUEUE_OWN_FIELDS (the name last, and free to hold the delimiter).
            job_id, unique_id, array_job, task, nodelist, used, submit, start, stdout, stderr, work_dir, name = (
                own.split(DELIMITER, _OWN_WIDTH - 1)
            )
        except ValueError:
            reject_record([_row_id(record)], _unreadable(record), warnings)
            continue
        try:
            if not (unique_id.isdigit() and unique_id.isascii()) or (
                job_id != unique_id and not _JOB_ID.fullmatch(job_id)
            ):
                raise _bad_ids(job_id, unique_id)
            group = groups.get(shared)
            if group is None:
                group = groups[shared] = _shared(shared, cluster)
        except SlurmParseError as exc:
            reject_record([_row_id(record)], exc, warnings)
            continue
        values = group.copy()
        if task == "N/A":
            array_job = task = None  # type: ignore[assignment]
        if nodelist == "(null)":
            nodelist = ""
        if "%" in stdout or "%" in stderr or "\\" in stdout or "\\" in stderr:  # patterns to expand
            values["stdout"], values["stderr"] = _files(
                stdout,
                stderr,
                nodelist,
                unique_id,
                array_job,
                task,
                name,
                values["user"],  # type: ignore[arg-type]
            )
        else:
            values["stdout"] = None if stdout in NULLS else stdout
            values["stderr"] = None if stderr in NULLS else stderr
        values["job_id"] = job_id
        values["array_job_id"] = array_job
        values["array_task_id"] = task
        values["name"] = name
        values["time_used_s"] = _duration(used)
        values["nodelist"] = nodelist
        values["submit_time"] = None if submit in NULLS else submit
        values["start_time"] = None if start in NULLS else start
        values["work_dir"] = None if work_dir in NULLS else work_dir
        values["unique_id"] = unique_id
        jobs[record] = Job.from_fields(values)
    return jobs


def _row_id(record: str) -> str:
    """What names a row in a warning: its job id, else its start."""
    return record.partition(GROUP_END)[2].partition(DELIMITER)[0] or record[:60]


def squeue_records(text: str, warnings: list[str] | None = None) -> list[str]:
    """The rows of squeue ``--Format`` output, each as its text (fields still delimited).

    Every row ends with the delimiter and a newline, and the name is its last field, so a
    name holding the delimiter or a newline is read whole: a piece between row ends that
    has too few fields to be a row continues the name before it.
    """
    records: list[str] = []
    *chunks, tail = text.split(ROW_END)
    for chunk in chunks:
        if chunk.count(DELIMITER) >= _SHARED_WIDTH + _OWN_WIDTH - 2 and GROUP_END in chunk:
            records.append(chunk)
        elif records:  # the rest of a name that holds the delimiter and a newline
            records[-1] += ROW_END + chunk
        else:
            check_errors(chunk)
            reject(SlurmParseError(f"expected {_SHARED_WIDTH + _OWN_WIDTH} fields: {chunk[:120]!r}"), warnings)
    if tail.strip():
        check_errors(tail)
        reject(SlurmParseError(f"squeue output ends inside a row: {tail[:120]!r}"), warnings)
    return records


_SHARED_GROUPS_KEPT = 4096


class SqueueParser:
    """Parses one cluster's squeue output poll after poll, reusing the Jobs of rows that
    did not change since the last poll (on a big queue most are pending and print the same
    row every time), so a steady poll costs little more than reading the text."""

    def __init__(self, cluster: str = "") -> None:
        self.cluster = cluster
        self._last: dict[str, Job] = {}  # row text -> its Job, of the last parse only
        self._shared_groups: dict[str, dict[str, object]] = {}  # shared group text -> its fields

    def parse(self, text: str, warnings: list[str] | None = None) -> list[Job]:
        """Jobs of ``squeue --Format`` output built by ``squeue_command`` (no header).

        A row that cannot be read is skipped and described in ``warnings``; without that
        list it raises SlurmParseError. A Slurm error message raises SlurmError either way.
        """
        records = squeue_records(text, warnings)
        if len(self._shared_groups) > _SHARED_GROUPS_KEPT:
            self._shared_groups = {}
        last = self._last
        with gc_paused():
            if not last:
                current = _jobs(records, self._shared_groups, self.cluster, warnings)
            else:
                known = dict(zip(records, map(last.get, records), strict=True))  # None: not in the last poll
                fresh = [record for record, job in known.items() if job is None]
                new = _jobs(fresh, self._shared_groups, self.cluster, warnings)
                known.update(new)
                for record in fresh:
                    if record not in new:  # rejected
                        del known[record]
                current = cast(dict[str, Job], known)
        self._last = current
        return list(current.values())


def parse_squeue(text: str, cluster: str = "", warnings: list[str] | None = None) -> list[Job]:
    """Jobs of ``squeue --Format`` output built by ``squeue_command`` (see SqueueParser.parse)."""
    return SqueueParser(cluster).parse(text, warnings)
