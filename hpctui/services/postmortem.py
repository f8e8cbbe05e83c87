"""Post-mortem: the user's jobs of the last N days from accounting, with one-line advice for
the ways jobs die. Accounting lags the controller by a second or two, so jobs the poller's
latest snapshot has and sacct has not yet are merged in (``source == "squeue"``)."""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass

from hpctui.format import plural
from hpctui.services.actions import Runner
from hpctui.services.sacct import sacct_records
from hpctui.slurm.models import ENDED_STATES, AccountingRecord, AccountingStep, Job, Snapshot
from hpctui.ssh.types import LinkError

# One line each; the field notes' lessons where they apply.
ADVICE: dict[str, str] = {
    "TIMEOUT": "Hit its time limit: resubmit with ~1.5x the time, or from the stage it reached; "
    "save latest.pt every epoch so the auto-resume pattern continues.",
    "OUT_OF_MEMORY": "Ran out of memory (compare MaxRSS with the request): resubmit with 2x --mem; "
    "on partitions that allocate whole nodes drop --mem instead.",
    "NODE_FAIL": "A node failed, not your job: resubmit it; #SBATCH --requeue lets Slurm do that itself.",
    "PREEMPTED": "Preempted: #SBATCH --requeue resubmits automatically, and the auto-resume "
    "pattern (latest.pt) continues where it stopped.",
    "CANCELLED": "Cancelled (State says by whom): resubmit from the stage it reached if it was not meant to stop.",
    "FAILED": "Exited non-zero: open its log; set -euo pipefail makes the first failing command the last line.",
    "BOOT_FAIL": "The node failed to boot: resubmit it.",
    "DEADLINE": "Missed its --deadline: resubmit with a later deadline or a shorter time limit.",
}


# slurmstepd could not start the batch script: the job's step "died by signal 53" (job_rc 4021),
# seen when the --output/--error file cannot be created (its directory missing or not writable).
UNSTARTED_EXIT = "0:53"
UNSTARTED_ADVICE = (
    "Never started: Slurm could not create its log file (exit 0:53): the --output/--error directory "
    "must exist and be writable before the job starts (mkdir -p it, then resubmit)."
)

# States that mean the job went wrong (a cancellation is usually the user's own choice).
FAILURE_STATES = frozenset({"FAILED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "BOOT_FAIL", "DEADLINE", "PREEMPTED"})


def advice_head(advice: str) -> str:
    """The advice's first words, for a table cell: ``Hit its time limit``, ``Cancelled``."""
    return re.sub(r"\s*\(.*?\)", "", advice.split(":")[0])


# sacct's State of a cancelled job names who cancelled it by uid: "CANCELLED by 1001".
_BY_UID = re.compile(r" by (\d+)$")


def user_names_command(uids: list[str]) -> str:
    """The passwd entries of ``uids`` (digits only): ``getent passwd 1001 0``."""
    if not uids or not all(uid.isdigit() for uid in uids):
        raise ValueError(f"not uids: {uids!r}")
    return "getent passwd " + " ".join(map(shlex.quote, uids))


def parse_passwd(text: str) -> dict[str, str]:
    """uid -> user name of ``getent passwd`` lines (``name:x:uid:gid:...``)."""
    names = {}
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) > 2 and fields[2].isdigit():
            names[fields[2]] = fields[0]
    return names


def tally(rows: list[PostMortemRow]) -> str:
    """``21 jobs: 4 failed, 5 cancelled``: failures apart from cancellations."""
    failed = sum(1 for row in rows if row.record.state in FAILURE_STATES)
    cancelled = sum(1 for row in rows if row.record.state == "CANCELLED")
    return f"{plural(len(rows), 'job')}: {failed} failed, {cancelled} cancelled"


@dataclass(frozen=True)
class PostMortemRow:
    record: AccountingRecord
    source: str  # "sacct", or "squeue" for a job accounting does not show yet

    @property
    def job_id(self) -> str:
        return self.record.job_id

    @property
    def advice(self) -> str | None:
        if self.record.state == "FAILED" and self.record.exit_code == UNSTARTED_EXIT:
            return UNSTARTED_ADVICE
        return ADVICE.get(self.record.state)

    @property
    def max_rss_bytes(self) -> int | None:
        """MaxRSS of the batch step (the script itself), else the largest of the steps."""
        return self._batch_or_largest("max_rss_bytes")

    @property
    def max_vmsize_bytes(self) -> int | None:
        return self._batch_or_largest("max_vmsize_bytes")

    def _batch_or_largest(self, attr: str) -> int | None:
        batch = batch_step(self.record)
        value: int | None = getattr(batch, attr) if batch is not None else None
        return value if value is not None else getattr(self.record, attr)


def batch_step(record: AccountingRecord) -> AccountingStep | None:
    return next((s for s in record.steps if s.step_id.endswith(".batch")), None)


class PostMortem:
    def __init__(self, link: Runner, cluster_name: str, user: str | None = None) -> None:
        self.link = link
        self.cluster_name = cluster_name
        self.user = user
        self.warnings: list[str] = []  # sacct rows the last fetch skipped, described
        self.user_names: dict[str, str] = {}  # uid -> name, asked once per uid (getent)

    async def fetch(
        self, days: int = 7, snapshot: Snapshot | None = None, job_ids: list[str] | None = None
    ) -> list[PostMortemRow]:
        """Jobs of the last ``days`` days, or ``job_ids`` whatever their age; raises SlurmError
        when sacct refuses (Slurm's words). Each record holds what efficiency needs too."""
        self.warnings = []
        found = await sacct_records(self.link, self.cluster_name, self.user, self.warnings, days=days, job_ids=job_ids)
        records = await self.with_user_names(found)
        return merge(records, snapshot)

    async def with_user_names(self, records: list[AccountingRecord]) -> list[AccountingRecord]:
        """``CANCELLED by 1001`` as ``CANCELLED by hpcuser``: one ``getent passwd`` on the
        cluster for the uids not seen before (a uid it does not know stays a number)."""
        uids = {m.group(1) for r in records if (m := _BY_UID.search(r.state_detail))}
        unknown = sorted(uids - self.user_names.keys())
        if unknown:
            try:
                result = await self.link.run(user_names_command(unknown))
            except LinkError:
                return records
            self.user_names.update(dict.fromkeys(unknown, ""))  # not known there: not asked again
            self.user_names.update(parse_passwd(result.stdout))
        return [self._named(record) for record in records] if uids else records

    def _named(self, record: AccountingRecord) -> AccountingRecord:
        match = _BY_UID.search(record.state_detail)
        name = self.user_names.get(match.group(1)) if match else None
        if match is None or name is None:
            return record
        return dataclasses.replace(record, state_detail=record.state_detail[: match.start()] + f" by {name}")


def outcome_text(record: AccountingRecord) -> str:
    """How a job ended in a few cells: ``FAILED 1:0``, ``TIMEOUT``, ``CANCELLED`` (the exit
    code only where it tells something: not 0:0, and not a cancellation's signal)."""
    if record.exit_code in ("", "0:0") or record.state == "CANCELLED":
        return record.state
    return f"{record.state} {record.exit_code}"


def final_outcomes(records: Mapping[str, AccountingRecord]) -> dict[str, str]:
    """``outcome_text`` of the records that ended, by job id (accounting lags: a job that
    left the queue may still be RUNNING there for a second or two)."""
    return {job_id: outcome_text(record) for job_id, record in records.items() if record.state in ENDED_STATES}


def merge(records: list[AccountingRecord], snapshot: Snapshot | None) -> list[PostMortemRow]:
    rows = [PostMortemRow(r, "sacct") for r in records]
    if snapshot is None:
        return rows
    known = {r.job_id for r in records}
    # sacct shows an array's pending tasks in one row ("1004_[2-5]") where squeue lists each
    pending_arrays = {r.job_id.partition("_[")[0] for r in records if "_[" in r.job_id}
    return rows + [
        PostMortemRow(record_from_job(j), "squeue")
        for j in snapshot.jobs
        if j.job_id not in known and j.array_job_id not in pending_arrays
    ]


def record_from_job(job: Job) -> AccountingRecord:
    """What squeue knows of a job, in accounting's shape (no steps, no memory figures yet)."""
    return AccountingRecord(
        job_id=job.job_id,
        name=job.name,
        partition=job.partition,
        elapsed_s=job.time_used_s,
        time_limit_s=job.time_limit_s,
        state=job.state,
        state_detail=job.state,
        exit_code="",
        start=job.start_time,
        end=None,
        work_dir=job.work_dir,
        cluster=job.cluster,
    )
