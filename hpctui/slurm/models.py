"""Plain immutable models of what Slurm reports. No I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from hpctui.slurm.filenames import expand_filename
from hpctui.slurm.hostlist import first_host


@dataclass(frozen=True)
class Gres:
    """One GRES entry such as ``gpu:mi250x:8(S:0-1)``; ``kind`` is "gpu" for GPUs.

    Slurm prints ``name[:type][:no_consume]:count[(S:sockets)|(IDX:indexes)]``.
    """

    kind: str
    type: str | None
    count: int
    no_consume: bool = False  # e.g. a file system every job on the node may use
    indexes: tuple[int, ...] | None = None  # GresUsed "(IDX:0,2-3)": which devices are in use
    sockets: tuple[int, ...] | None = None  # Gres "(S:0-1)": sockets the devices are bound to
    # Shared GRES (shard, mps) in GresUsed "(-/5,5/5,3/5,0/5)": per GPU, (used, total); used
    # is None ("-") when that GPU is allocated whole.
    shares: tuple[tuple[int | None, int], ...] | None = None


# Base states of jobs that will not run again (squeue --states=all lists them for MinJobAge).
ENDED_STATES = frozenset(
    {
        "COMPLETED",
        "FAILED",
        "CANCELLED",
        "TIMEOUT",
        "OUT_OF_MEMORY",
        "NODE_FAIL",
        "PREEMPTED",
        "BOOT_FAIL",
        "DEADLINE",
        "SPECIAL_EXIT",
        "REVOKED",
    }
)


class Job(NamedTuple):
    """One squeue row. Array tasks are separate rows with ``job_id`` like ``123_4``.

    A named tuple rather than a frozen dataclass: the squeue parser builds 100k of them per
    poll on a big cluster, and a tuple is built in one step (a frozen dataclass sets each
    field through ``object.__setattr__``) and takes a quarter of the memory (no ``__dict__``).
    Change one with ``job._replace(state=...)``.
    """

    job_id: str  # "123", "123_4", or "123_[5-9]" for a pending array remainder
    array_job_id: str | None
    array_task_id: str | None
    name: str
    user: str
    partition: str
    state: str  # long form: RUNNING, PENDING, COMPLETING, ...
    reason: str  # Slurm's Reason: "Resources", "JobHeldUser", ...; "None" when running
    time_used_s: int | None
    time_limit_s: int | None  # None = UNLIMITED
    num_nodes: int
    nodelist: str
    gpus: int  # GPUs requested/allocated in total
    tres: str  # raw TRES string, e.g. "cpu=2,mem=1G,node=1,billing=2,gres/gpu=2"
    submit_time: str | None
    start_time: str | None  # expected start for pending jobs (ISO), actual for running
    # --output and --error as squeue prints them: a pattern (``logs/%x_%j.out``) in 22.05,
    # expanded only when asked for (``stdout``, ``stderr``): one job's, not 100k rows'.
    stdout_pattern: str | None
    stderr_pattern: str | None
    work_dir: str | None
    cluster: str = ""
    unique_id: str = ""  # the numeric id Slurm gives every array task ("%j" in file names)
    num_tasks: int | None = None

    @property
    def stated_reason(self) -> str:
        """Slurm's reason, or "" for its "None": a job not yet looked at by the scheduler, one
        that runs, one just started whose nodes squeue does not list yet."""
        return "" if self.reason == "None" else self.reason

    @property
    def stdout(self) -> str | None:
        """The path of the batch step's output, its pattern expanded; None when it has none."""
        return self._log_path(self.stdout_pattern)

    @property
    def stderr(self) -> str | None:
        """The path of the batch step's error output, its pattern expanded."""
        return self._log_path(self.stderr_pattern)

    def log_paths(self, host: str) -> tuple[str | None, str | None]:
        """``stdout`` and ``stderr`` with ``host`` for %N: the batch node's host name, which
        slurmstepd writes there and which need not be the node's Slurm name."""
        return self._log_path(self.stdout_pattern, host), self._log_path(self.stderr_pattern, host)

    def _log_path(self, pattern: str | None, host: str | None = None) -> str | None:
        if pattern is None:
            return None
        job_id = self.unique_id or self.job_id
        node = host or first_host(self.nodelist)  # what %N names
        return expand_filename(pattern, job_id, self.array_job_id, self.array_task_id, self.name, self.user, node)


@dataclass(frozen=True)
class Node:
    """One node as ``sinfo -N`` reports it per partition."""

    name: str  # %N
    hostname: str  # %n
    partition: str
    state: str  # short form as %t prints it: idle, mix, alloc, drain, down, ...
    gres: tuple[Gres, ...]
    gres_used: tuple[Gres, ...]
    cpus_alloc: int
    cpus_idle: int
    cpus_other: int
    cpus_total: int
    memory_mb: int | None = None

    @property
    def gpus_total(self) -> int:
        return sum(g.count for g in self.gres if g.kind == "gpu")

    @property
    def gpus_used(self) -> int:
        return sum(g.count for g in self.gres_used if g.kind == "gpu")


@dataclass(frozen=True)
class PartitionGpus:
    """GPU and node-state summary of one partition, computed from its nodes."""

    name: str
    gpus_total: dict[str, int]  # by GPU type ("" when untyped)
    gpus_alloc: dict[str, int]
    nodes_by_state: dict[str, int]  # idle, mixed, allocated, drained, down, other
    # GPUs not allocated but not usable by a new whole-GPU job either: on drained, down,
    # unresponsive or reserved nodes, or holding shards or MPS shares.
    gpus_unavailable: dict[str, int] = field(default_factory=dict)
    # Of gpus_unavailable: the GPUs that hold shards or MPS shares.
    gpus_shared: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.gpus_total.values())

    @property
    def alloc(self) -> int:
        return sum(self.gpus_alloc.values())

    @property
    def unavailable(self) -> int:
        return sum(self.gpus_unavailable.values())

    @property
    def shared(self) -> int:
        return sum(self.gpus_shared.values())

    @property
    def free(self) -> int:
        """GPUs a new whole-GPU job could get now: neither allocated nor unavailable."""
        return self.total - self.alloc - self.unavailable


@dataclass(frozen=True)
class AccountingStep:
    step_id: str  # "123.batch", "123.0", "123.extern"
    name: str
    elapsed_s: int | None
    max_rss_bytes: int | None
    max_vmsize_bytes: int | None
    state: str
    exit_code: str
    tres_usage_in_ave: str = ""  # "cpu=00:00:09,gres/gpuutil=87,mem=1.2G,..." (raw TRES)


@dataclass(frozen=True)
class AccountingRecord:
    """One job from sacct with its steps folded under it."""

    job_id: str
    name: str
    partition: str
    elapsed_s: int | None
    time_limit_s: int | None
    state: str  # "CANCELLED" when sacct says "CANCELLED by 1000"
    state_detail: str  # the raw State, e.g. "CANCELLED by 1000"
    exit_code: str
    start: str | None
    end: str | None
    work_dir: str | None
    steps: tuple[AccountingStep, ...] = ()
    cluster: str = ""
    # What efficiency needs (slurm/efficiency.py); None or "" when sacct left them empty.
    alloc_cpus: int | None = None
    total_cpu_s: float | None = None
    req_mem: str = ""  # raw ReqMem: "2G" (whole job), or "4000Mc"/"16Gn" before 21.08
    nnodes: int | None = None
    alloc_tres: str = ""  # raw AllocTRES
    # sacct's Timelimit "Partition_Limit": the job set none of its own (time_limit_s is None
    # but it is not unlimited); a job cancelled before it started reads so.
    partition_limit: bool = False

    @property
    def max_rss_bytes(self) -> int | None:
        values = [s.max_rss_bytes for s in self.steps if s.max_rss_bytes is not None]
        return max(values) if values else None

    @property
    def max_vmsize_bytes(self) -> int | None:
        values = [s.max_vmsize_bytes for s in self.steps if s.max_vmsize_bytes is not None]
        return max(values) if values else None


@dataclass(frozen=True)
class PollSection:
    """What one command of a combined poll printed, and how it ended."""

    name: str  # "squeue", "sinfo"
    stdout: str
    stderr: str
    status: int


@dataclass(frozen=True)
class Snapshot:
    """What one poll of one cluster saw. ``error`` is set when the poll failed;
    then jobs/nodes are those of the last good poll and ``*_at`` say how old they are."""

    cluster: str
    jobs: tuple[Job, ...] = ()
    nodes: tuple[Node, ...] = ()
    partitions: tuple[PartitionGpus, ...] = ()
    jobs_at: float | None = None  # time.time() of the squeue data
    nodes_at: float | None = None  # time.time() of the sinfo data
    error: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    # Records skipped because they could not be read, and a failed sinfo while the jobs are
    # live: each says what and shows the offending text as a Python literal (escapes visible).
    warnings: tuple[str, ...] = ()

    def job(self, job_id: str) -> Job | None:
        """The job with this id (the first one the queue listed), or None."""
        return self._jobs_by_id.get(job_id)

    @cached_property
    def _jobs_by_id(self) -> dict[str, Job]:
        """Built once per snapshot on the first look-up (cached_property writes the instance
        __dict__ directly, so it works on a frozen dataclass; replace() makes a new index)."""
        index: dict[str, Job] = {}
        for job in self.jobs:
            index.setdefault(job.job_id, job)
        return index
