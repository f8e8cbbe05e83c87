"""Where a job's stdout and stderr went, from accounting, for a job the controller has forgotten.

sacct 22.05 has no StdOut/StdErr: the paths are rebuilt the way slurmd built them, from the
``--output``/``--error`` the job was given (its SubmitLine first, then its script's ``#SBATCH``
lines), Slurm's default ``slurm-%j.out`` (``slurm-%A_%a.out`` for an array task) otherwise, the
filename pattern expanded with what accounting recorded, relative to the job's WorkDir.
Pure: the command, its parser and the expansion.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from hpctui.slurm.accounting import allocation_rows_command, last_row
from hpctui.slurm.filenames import expand_filename
from hpctui.slurm.hostlist import first_host

# SubmitLine last: it is free text and may hold the delimiter.
LOG_FIELDS = ("JobID", "JobIDRaw", "JobName", "User", "WorkDir", "State", "NodeList", "SubmitLine")


@dataclass(frozen=True)
class LogRecord:
    """What accounting recorded of a job, for its log paths."""

    job_id: str  # as the user names it: 123 or 123_4
    raw_id: str  # the job's own number (%j): an array task's differs from 123_4
    name: str
    user: str
    work_dir: str
    state: str  # first word: CANCELLED, not "CANCELLED by 1000"
    started: bool  # it was given nodes (a job cancelled while pending has Start=End, and no nodes)
    node: str  # the first node it ran on, "" when it never ran
    submit_line: str

    @property
    def whole(self) -> bool:
        """Whether accounting has the whole record: slurmdbd can hear of a job's end before its
        start, and for a moment knows its state but not its WorkDir and SubmitLine."""
        return bool(self.work_dir)

    @property
    def array_job(self) -> str:
        return self.job_id.partition("_")[0]

    @property
    def array_index(self) -> str | None:
        return self.job_id.partition("_")[2] or None


def log_record_command(job_id: str) -> str:
    return allocation_rows_command(LOG_FIELDS, job_id)


def parse_log_record(text: str) -> LogRecord | None:
    """The job's last record (a requeued job has several); None when accounting has none."""
    row = last_row(text, LOG_FIELDS)
    if row is None:
        return None
    job_id, raw_id, name, user, work_dir, state, nodes, submit_line = row
    node = first_host(nodes) if nodes not in ("", "None assigned") else ""
    return LogRecord(job_id, raw_id, name, user, work_dir, state.split(" ")[0], bool(node), node, submit_line)


def default_output(record: LogRecord) -> str:
    """sbatch's ``--output`` when none was given."""
    return "slurm-%A_%a.out" if record.array_index is not None else "slurm-%j.out"


def expand_log_pattern(pattern: str, record: LogRecord, host: str | None = None) -> str:
    """A ``--output``/``--error`` filename pattern as slurmd expands it for the batch step (the
    same expansion as squeue's paths), made absolute from the job's WorkDir. ``host`` is the
    batch node's host name for %N (its Slurm name when not given)."""
    array_job = record.array_job if record.array_index is not None else None
    node = host or record.node
    path = expand_filename(pattern, record.raw_id, array_job, record.array_index, record.name, record.user, node)
    return posixpath.normpath(posixpath.join(record.work_dir, path))
