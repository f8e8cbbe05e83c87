"""squeue rows (the ``SQUEUE_FIELDS`` format) to ``Job`` models."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import cast

from hpctui.slurm.errors import SlurmParseError, check_errors
from hpctui.slurm.formats import DELIMITER, GROUP_END, ROW_END, SQUEUE_OWN_FIELDS, SQUEUE_SHARED_FIELDS
from hpctui.slurm.models import Job
from hpctui.slurm.parse.fields import NULLS, gc_paused, is_number, parse_duration, parse_int, reject, reject_record
from hpctui.slurm.parse.gres import job_gpus

_JOB_ID = re.compile(r"\d+(?:_(?:\d+|\[[\d,%:-]+\]))?(?:\+\d+)?")


# Limits, pending times and GPU requests repeat across a user's jobs: cache what they parse to.
_duration = lru_cache(maxsize=4096)(parse_duration)


@lru_cache(maxsize=1024)
def _optional_int(text: str) -> int | None:
    """A count, or None for "*", "N/A" and NO_VAL (4294967294) and the like."""
    return int(text) if is_number(text) and len(text) < 10 else None


_SHARED_WIDTH = len(SQUEUE_SHARED_FIELDS)
_OWN_WIDTH = len(SQUEUE_OWN_FIELDS)


# What a row's shared group parses to, in this order (see _shared).
SharedGroup = tuple[str, str, str, str, int | None, int, int, str, int | None]


def _shared(text: str) -> SharedGroup:
    """The Job fields of a row's shared group (``SQUEUE_SHARED_FIELDS``): user, partition,
    state, reason, time limit, nodes, GPUs, TRES and tasks. Parsed once per
    distinct text (a 100k-job queue has a few hundred)."""
    fields = text.split(DELIMITER)
    if len(fields) != _SHARED_WIDTH:
        raise SlurmParseError(f"expected {_SHARED_WIDTH} fields before the group end: {text[:120]!r}")
    (user, partition, state, reason, limit, nodes_text, tasks_text,
     per_job, per_node, per_socket, per_task, sockets, tres) = fields  # fmt: skip
    nodes = parse_int(nodes_text, "NumNodes")
    tasks = _optional_int(tasks_text)
    gpus = job_gpus(tres, per_job, per_node, per_socket, per_task, nodes, tasks, _optional_int(sockets))
    return user, partition, state, reason, _duration(limit), nodes, gpus, tres, tasks


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


def _jobs(records: list[str], groups: dict[str, SharedGroup], cluster: str,
          warnings: list[str] | None) -> dict[str, Job]:  # fmt: skip
    """The Job of each row, by its text (which ends with the delimiter, as squeue prints
    every field); ``groups`` caches what each shared group parses to.

    One loop with the row's work written out in it, each Job built from one tuple: on a
    100k-job queue a function call per row costs a tenth of the parse. Strings that many
    rows repeat are kept once (``same``): fewer live objects, a faster parse. A row that
    cannot be read is rejected (see ``reject``).
    """
    jobs = {}
    new_job = tuple.__new__
    same: dict[str, str] = {}
    for record in records:
        shared, _, own = record.partition(GROUP_END)
        try:
            # Same order as SQUEUE_OWN_FIELDS; the name is last, so what follows it is ""
            # unless the name holds the delimiter.
            job_id, unique_id, array_job, task, nodelist, used, submit, start, stdout, stderr, work_dir, name, rest = (
                own.split(DELIMITER, _OWN_WIDTH)
            )
        except ValueError:
            reject_record([_row_id(record)], _unreadable(record), warnings)
            continue
        try:
            if rest and rest[-1] != DELIMITER:  # read at a newline inside a name: not a whole row
                raise _unreadable(record)
            if not (unique_id.isdigit() and unique_id.isascii()) or (
                job_id != unique_id and not _JOB_ID.fullmatch(job_id)
            ):
                raise _bad_ids(job_id, unique_id)
            group = groups.get(shared)
            if group is None:
                group = groups[shared] = _shared(shared)
            used_s = _duration(used)
        except SlurmParseError as exc:
            reject_record([_row_id(record)], exc, warnings)
            continue
        user, partition, state, reason, limit, nodes, gpus, tres, tasks = group
        if rest:
            name = f"{name}{DELIMITER}{rest[:-1]}"
        if task == "N/A":
            array_job = task = None  # type: ignore[assignment]
        if nodelist == "(null)":
            nodelist = ""
        out = None if stdout in NULLS else stdout
        err = out if stderr == stdout else None if stderr in NULLS else stderr
        jobs[record] = new_job(Job, (  # the fields in Job's order
            job_id, array_job, task, same.setdefault(name, name), user, partition, state, reason, used_s, limit, nodes,
            same.setdefault(nodelist, nodelist), gpus, tres, None if submit in NULLS else same.setdefault(submit, submit), None if start in NULLS else same.setdefault(start, start),
            out, err, None if work_dir in NULLS else same.setdefault(work_dir, work_dir), cluster,
            job_id if unique_id == job_id else unique_id, tasks,
        ))  # fmt: skip
    return jobs


def _row_id(record: str) -> str:
    """What names a row in a warning: its job id, else its start."""
    return record.partition(GROUP_END)[2].partition(DELIMITER)[0] or record[:60]


def squeue_records(text: str, warnings: list[str] | None = None) -> list[str]:
    """The rows of squeue ``--Format`` output, each as its text up to its newline.

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
    return [record + DELIMITER for record in records]


def _plain_records(text: str) -> list[str]:
    """The rows of squeue output whose job names hold no newline (all but a freak one's),
    split at each newline: half the time of ``squeue_records``. Where a name does hold one,
    a piece is not a row and the parse tells, and ``squeue_records`` is asked instead."""
    *records, tail = text.split("\n")
    if tail:
        raise SlurmParseError("squeue output ends inside a row")
    return records


_SHARED_GROUPS_KEPT = 4096


class SqueueParser:
    """Parses one cluster's squeue output poll after poll, reusing the Jobs of rows that
    did not change since the last poll (on a big queue most are pending and print the same
    row every time), so a steady poll costs little more than reading the text."""

    def __init__(self, cluster: str = "") -> None:
        self.cluster = cluster
        self._last: dict[str, Job] = {}  # row text -> its Job, of the last parse only
        self._shared_groups: dict[str, SharedGroup] = {}  # shared group text -> its fields

    def parse(self, text: str, warnings: list[str] | None = None) -> list[Job]:
        """Jobs of ``squeue --Format`` output built by ``squeue_command`` (no header).

        A row that cannot be read is skipped and described in ``warnings``; without that
        list it raises SlurmParseError. A Slurm error message raises SlurmError either way.
        """
        if len(self._shared_groups) > _SHARED_GROUPS_KEPT:
            self._shared_groups = {}
        with gc_paused():
            try:
                current = self._parsed(_plain_records(text), None)
            except SlurmParseError:  # a row to skip, or a name with a newline: read carefully
                current = self._parsed(squeue_records(text, warnings), warnings)
        self._last = current
        return list(current.values())

    def _parsed(self, records: list[str], warnings: list[str] | None) -> dict[str, Job]:
        """The Job of each of ``records``, those of the last poll reused."""
        last = self._last
        if not last:
            return _jobs(records, self._shared_groups, self.cluster, warnings)
        known = dict(zip(records, map(last.get, records), strict=True))  # None: not in the last poll
        fresh = [record for record, job in known.items() if job is None]
        new = _jobs(fresh, self._shared_groups, self.cluster, warnings)
        known.update(new)
        for record in fresh:
            if record not in new:  # rejected
                del known[record]
        return cast(dict[str, Job], known)


def parse_squeue(text: str, cluster: str = "", warnings: list[str] | None = None) -> list[Job]:
    """Jobs of ``squeue --Format`` output built by ``squeue_command`` (see SqueueParser.parse)."""
    return SqueueParser(cluster).parse(text, warnings)
