"""A pending job's priority on demand: ``sprio`` (its priority and the weighted factors, and its
rank among the partition's pending jobs) and the user's fair-share from ``sshare``, in ONE
round trip (``sections_command``). Pure: the command builder and the parsers.

On a site with ``PriorityType=priority/basic`` (first come, first served) sprio refuses with
"You are not running a supported priority plugin"; ``PriorityReport.basic`` says so.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from hpctui.slurm.commands import PARTITION_NAME, env_prefix, sections_command, user_word, validate_job_id
from hpctui.slurm.errors import SlurmParseError, check_section
from hpctui.slurm.formats import DELIMITER
from hpctui.slurm.models import Job, PollSection
from hpctui.slurm.parse.fields import is_number

SPRIO_ENV = ("SPRIO_FORMAT", "SPRIO_PARTITION", "SPRIO_USERS", "SLURM_CLUSTERS")
# sprio(1) -o codes: job, partition, user, priority, then the weighted factors.
SPRIO_CODES = ("%i", "%r", "%u", "%Y", "%A", "%F", "%J", "%P", "%Q", "%B", "%S", "%N")
FACTORS = ("age", "fairshare", "jobsize", "partition", "qos", "assoc", "site", "nice")
SSHARE_FIELDS = ("Account", "User", "RawShares", "NormShares", "RawUsage", "EffectvUsage", "FairShare")
BASIC_PRIORITY = "not running a supported priority plugin"


def _sprio(*where: str, codes: tuple[str, ...] = SPRIO_CODES) -> str:
    fmt = shlex.quote(DELIMITER.join(codes))
    return f"{env_prefix(SPRIO_ENV)} sprio --noheader {' '.join(where)} --format={fmt}"


def sprio_job_id(job: Job) -> str:
    """The id sprio knows ``job`` by: sprio takes numeric ids only (``123_4`` is "Invalid job
    id"), so an array task goes by its own job id (``unique_id``, the record it has once split
    off, else the array's) and a pending remainder (``123_[5-9]``) by the array's job id."""
    if "[" in job.job_id:
        return job.array_job_id or job.job_id.partition("_")[0]
    return job.unique_id or job.job_id


def priority_command(job_id: str, partition: str, user: str | None) -> str:
    """sprio of the job, sprio of the partition (job ids and priorities: the rank) and the
    user's sshare row, as three sections of one command."""
    job = shlex.quote(validate_job_id(job_id, single=True))
    if not PARTITION_NAME.fullmatch(partition):
        raise SlurmParseError(f"not a partition name: {partition!r}")
    sshare = f"{env_prefix()} sshare --noheader --parsable2 --Users --user={user_word(user)} --format={','.join(SSHARE_FIELDS)}"
    return sections_command(
        [
            ("sprio_job", _sprio(f"--jobs={job}")),
            ("sprio_partition", _sprio(f"--partition={shlex.quote(partition)}", codes=("%i", "%Y"))),
            ("sshare", sshare),
        ]
    )


@dataclass(frozen=True)
class FairShare:
    account: str
    user: str
    fairshare: float  # 0..1: 1 = used nothing of its share lately, 0.5 = used its share, -> 0 = far over it
    raw_usage: int


@dataclass(frozen=True)
class PriorityReport:
    job_id: str
    basic: bool = False  # the site uses priority/basic: no factors, no fair-share ranking
    priority: int | None = None  # None: sprio does not list the job (not pending, or held)
    factors: tuple[tuple[str, int], ...] = ()  # weighted, non-zero first
    rank: int | None = None  # 1 = next among the partition's pending jobs
    pending: int = 0  # pending jobs sprio lists in the partition
    fairshare: FairShare | None = None

    def summary(self) -> str:
        """One or two lines for the job details."""
        if self.basic:
            return "This site uses basic priority (first come, first served): no factors to show."
        if self.priority is None:
            return "sprio does not list it: only pending jobs that are not held have a priority."
        factors = ", ".join(f"{name} {value}" for name, value in self.factors if value) or "all factors 0"
        rank = f" · number {self.rank} of {self.pending} pending in its partition" if self.rank else ""
        line = f"Priority {self.priority} ({factors}){rank}"
        if self.fairshare is not None:
            line += f"\nFair-share {self.fairshare.fairshare:.2f} for {self.fairshare.user} in {self.fairshare.account}"
            line += " (1 = little used lately, 0.5 = used its share, toward 0 = used more than its share)"
        return line


def _ints(values: list[str], what: str) -> list[int]:
    if not all(is_number(v.strip().lstrip("-")) for v in values):
        raise SlurmParseError(f"sprio: expected numbers in {what}, got {values!r}")
    return [int(v) for v in values]


def parse_sprio_job(text: str, job_id: str) -> tuple[int, tuple[tuple[str, int], ...]] | None:
    """(priority, weighted factors) of the job's row, None when sprio has none."""
    for line in text.splitlines():
        fields = line.strip().split(DELIMITER)
        if len(fields) == len(SPRIO_CODES) and fields[0] == job_id:
            priority, *factors = _ints(fields[3:], "the job's row")
            return priority, tuple(zip(FACTORS, factors, strict=True))
    return None


def rank_in_partition(text: str, job_id: str) -> tuple[int | None, int]:
    """(1-based rank of the job, number of pending jobs) from ``sprio -p PART -o %i%Y``;
    equal priorities go by job id, as the scheduler takes them by submission."""
    rows = []
    for line in text.splitlines():
        fields = line.strip().split(DELIMITER)
        if len(fields) == 2 and is_number(fields[0]):
            rows.append((int(fields[0]), _ints(fields[1:], "the partition's rows")[0]))
    rows = sorted(set(rows), key=lambda row: (-row[1], row[0]))
    ids = [str(job) for job, _ in rows]
    return (ids.index(job_id) + 1 if job_id in ids else None), len(ids)


def parse_sshare(text: str) -> FairShare | None:
    """The user's first association row of ``sshare --parsable2 --Users``."""
    for line in text.splitlines():
        fields = line.strip().split("|")
        if len(fields) == len(SSHARE_FIELDS) and fields[1]:
            try:
                return FairShare(fields[0], fields[1], float(fields[6]), int(fields[4] or 0))
            except ValueError:
                raise SlurmParseError(f"sshare: unexpected row {line[:120]!r}") from None
    return None


def priority_report(job_id: str, sections: dict[str, PollSection]) -> PriorityReport:
    """The report from the three sections (SlurmError when sprio itself failed)."""
    job = sections.get("sprio_job")
    if job is None:
        raise SlurmParseError("no sprio section in the output (cut short?)")
    if BASIC_PRIORITY in job.stdout + job.stderr:
        return PriorityReport(job_id, basic=True)
    check_section(job)
    found = parse_sprio_job(job.stdout, job_id)
    if found is None:
        return PriorityReport(job_id)
    rank, pending = (
        rank_in_partition(sections["sprio_partition"].stdout, job_id) if "sprio_partition" in sections else (None, 0)
    )
    share = sections.get("sshare")
    fairshare = parse_sshare(share.stdout) if share is not None and share.status == 0 else None
    return PriorityReport(job_id, False, found[0], found[1], rank, pending, fairshare)
