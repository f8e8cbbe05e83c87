"""How well ended jobs used what they asked for, as seff, reportseff and Princeton's jobstats
report it, with advice in numbers for the next submission. Pure: accounting records in.

- CPU: TotalCPU / (Elapsed x AllocCPUS).
- Memory: MaxRSS of the largest step / the memory asked for per node (sacct's ReqMem is the
  whole job's since 21.08, so it is divided by NNodes; ``4000Mc`` (per CPU) and ``16Gn``
  (per node) of older releases are read as such).
- Time: Elapsed / Timelimit.
- GPU hours: Elapsed x the GPUs of AllocTRES (``gres/gpu=``); GPU use from the steps'
  TRESUsageInAve ``gres/gpuutil`` where the site accounts it (NVML sites), else unknown.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from hpctui.format import duration, plural, time_limit
from hpctui.slurm.errors import SlurmParseError
from hpctui.slurm.models import AccountingRecord
from hpctui.slurm.parse.usage import tres_usage
from hpctui.slurm.parse.values import parse_job_id, parse_req_mem, parse_tres
from hpctui.slurm.submit import format_time
from hpctui.slurm.units import slurm_size

GIB = 1 << 30
MEM_STEP = 256 << 20  # --mem under 1G is a multiple of this
TIME_STEP_S = 5 * 60  # --time under an hour is a multiple of this ...
LONG_TIME_STEP_S = 15 * 60  # ... and of this from an hour on
MEM_HEADROOM = 1.25  # next time: the peak plus a quarter
TIME_HEADROOM = 1.5  # next time: the run plus a half
LOW = 0.5  # below half of what was asked, it is worth saying
HIGH = 0.9  # a peak above this much of the memory asked for is one page cache away from the limit
MIN_SAVING_BYTES = GIB // 2  # advice that saves less memory than this is noise
MIN_SAVING_S = 15 * 60  # ... or less time than this
ENDED_RUNS = frozenset({"COMPLETED", "FAILED", "TIMEOUT", "OUT_OF_MEMORY", "CANCELLED", "NODE_FAIL", "PREEMPTED"})
WORST_TASKS = 3  # an array's tasks listed under its summary line


@dataclass(frozen=True)
class Efficiency:
    """One job's (or array task's) use of what it was given; None where accounting is silent."""

    job_id: str
    name: str
    state: str
    elapsed_s: int | None
    time_limit_s: int | None
    cpus: int | None
    cpu_s: float | None  # TotalCPU
    mem_per_node: int | None  # bytes asked for, per node
    max_rss: int | None  # bytes, the largest step's MaxRSS
    gpus: int
    gpu_util: float | None  # percent, the steps' TRESUsageInAve gres/gpuutil (the busiest step)
    suggested: dict[str, str] = field(default_factory=dict)  # sbatch option -> value ("mem": "12G")
    advice: tuple[str, ...] = ()
    partition_limit: bool = False  # no time limit of its own (sacct's Partition_Limit)

    @property
    def cpu_eff(self) -> float | None:
        if self.cpu_s is None or not self.elapsed_s or not self.cpus:
            return None
        return self.cpu_s / (self.elapsed_s * self.cpus)

    @property
    def mem_eff(self) -> float | None:
        if self.max_rss is None or not self.mem_per_node:
            return None
        return self.max_rss / self.mem_per_node

    @property
    def time_eff(self) -> float | None:
        if self.elapsed_s is None or not self.time_limit_s:
            return None
        return self.elapsed_s / self.time_limit_s

    @property
    def gpu_hours(self) -> float:
        return (self.elapsed_s or 0) * self.gpus / 3600

    def figures(self) -> str:
        """``CPU 37% of 2 · memory 309M of 1.0G (30%) · time 0:21 of 10:00 (4%) · 0.01 GPU-h``."""
        parts = []
        if self.cpu_eff is not None:
            parts.append(f"CPU {percent(self.cpu_eff)} of {self.cpus}")
        if self.max_rss is not None and self.mem_per_node:
            parts.append(
                f"memory {slurm_size(self.max_rss)} of {slurm_size(self.mem_per_node)} ({percent(self.mem_eff)})"
            )
        if self.elapsed_s is not None:
            limit = f" of {duration(self.time_limit_s)} ({percent(self.time_eff)})" if self.time_limit_s else ""
            parts.append(f"time {duration(self.elapsed_s)}{limit}")
        if self.gpus:
            util = f", busy {self.gpu_util:.0f}%" if self.gpu_util is not None else ""
            parts.append(f"{self.gpus} GPU{'s' if self.gpus > 1 else ''}: {self.gpu_hours:.2f} GPU-h{util}")
        return " · ".join(parts) or "no usage in accounting"


@dataclass(frozen=True)
class ArraySummary:
    """One job array: its tasks' figures at a glance, and the tasks that used least or failed."""

    array_id: str
    name: str
    tasks: tuple[Efficiency, ...]
    suggested: dict[str, str]
    advice: tuple[str, ...]

    @property
    def states(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for task in self.tasks:
            counts[task.state] = counts.get(task.state, 0) + 1
        return counts

    @property
    def gpu_hours(self) -> float:
        return sum(task.gpu_hours for task in self.tasks)

    def worst(self, count: int = WORST_TASKS) -> tuple[Efficiency, ...]:
        """Failed tasks first, then those that used the least of their CPUs and memory."""
        return tuple(sorted(self.tasks, key=_badness)[:count])

    def figures(self) -> str:
        """``4 tasks (4 COMPLETED) · CPU 1% mean · memory 3.0M at most of 512M · longest 0:12 of 5:00``."""
        states = ", ".join(f"{n} {state}" for state, n in sorted(self.states.items()))
        parts = [f"{plural(len(self.tasks), 'task')} ({states})"]
        cpu = [t.cpu_eff for t in self.tasks if t.cpu_eff is not None]
        if cpu:
            parts.append(f"CPU {percent(sum(cpu) / len(cpu))} mean")
        peak = max((t for t in self.tasks if t.max_rss is not None), key=lambda t: t.max_rss or 0, default=None)
        if peak is not None and peak.mem_per_node:
            parts.append(f"memory {slurm_size(peak.max_rss)} at most of {slurm_size(peak.mem_per_node)}")
        longest = max((t for t in self.tasks if t.elapsed_s is not None), key=lambda t: t.elapsed_s or 0, default=None)
        if longest is not None:
            limit = time_limit(longest.time_limit_s, longest.partition_limit)
            parts.append(f"longest {duration(longest.elapsed_s)} of {limit}")
        if self.gpu_hours:
            parts.append(f"{self.gpu_hours:.2f} GPU-h")
        return " · ".join(parts)


def percent(fraction: float | None) -> str:
    return "?" if fraction is None else f"{fraction * 100:.0f}%"


def _badness(task: Efficiency) -> tuple[int, float]:
    failed = 0 if task.state not in ("COMPLETED", "RUNNING", "PENDING") else 1
    uses = [e for e in (task.cpu_eff, task.mem_eff) if e is not None]
    return failed, min(uses, default=1.0)


# ---- reading the record ------------------------------------------------------------------


def _tres(text: str) -> dict[str, int]:
    try:
        return parse_tres(text)
    except SlurmParseError:
        return {}


def allocated_gpus(alloc_tres: str) -> int:
    """GPUs of an AllocTRES string: ``gres/gpu=N``, else the sum of the typed ``gres/gpu:T=N``."""
    tres = _tres(alloc_tres)
    if "gres/gpu" in tres:
        return tres["gres/gpu"]
    return sum(n for key, n in tres.items() if key.startswith("gres/gpu:"))


def memory_per_node(record: AccountingRecord) -> int | None:
    """Bytes asked for per node (see the module's docstring for ReqMem's two readings)."""
    try:
        amount, per = parse_req_mem(record.req_mem)
    except SlurmParseError:
        return None
    nodes = record.nnodes or 1
    if amount is None:
        return None
    if per == "cpu":
        return amount * (record.alloc_cpus or 1) // nodes
    return amount if per == "node" else amount // nodes


def _usage_item(text: str, key: str) -> float | None:
    """One number of a TRESUsageIn* string (None when it is missing or not a number)."""
    value = tres_usage(text).get(key)
    try:
        return None if value is None else float(value)
    except ValueError:
        return None


def gpu_utilisation(record: AccountingRecord) -> float | None:
    """Percent of the busiest step's average GPU use (``gres/gpuutil`` in TRESUsageInAve)."""
    found = [_usage_item(step.tres_usage_in_ave, "gres/gpuutil") for step in record.steps]
    values = [value for value in found if value is not None]
    return max(values) if values else None


def efficiency(record: AccountingRecord) -> Efficiency:
    """The figures of one ended (or running) job, with advice for its next submission."""
    figures = Efficiency(
        job_id=record.job_id,
        name=record.name,
        state=record.state,
        elapsed_s=record.elapsed_s,
        time_limit_s=record.time_limit_s,
        cpus=record.alloc_cpus,
        cpu_s=record.total_cpu_s,
        mem_per_node=memory_per_node(record),
        max_rss=record.max_rss_bytes,  # the largest step's (the job row has none)
        gpus=allocated_gpus(record.alloc_tres),
        gpu_util=gpu_utilisation(record),
        partition_limit=record.partition_limit,
    )
    suggested, advice = advise([figures])
    return replace(figures, suggested=suggested, advice=advice)


# ---- advice --------------------------------------------------------------------------------


def _round_mem(amount: float) -> int:
    """``amount`` bytes rounded up to whole G from 1G on, else to a multiple of 256M (at least 256M)."""
    if amount >= GIB:
        return math.ceil(amount / GIB) * GIB
    return max(1, math.ceil(amount / MEM_STEP)) * MEM_STEP


def nice_memory(amount: float) -> str:
    """``--mem`` value for ``amount`` bytes: whole G from 1G on, else multiples of 256M."""
    rounded = _round_mem(amount)
    return f"{rounded // GIB}G" if amount >= GIB else f"{rounded >> 20}M"


def _round_time(seconds: float) -> int:
    """``seconds`` rounded up to 15 minutes (5 under an hour)."""
    step = LONG_TIME_STEP_S if seconds >= 3600 else TIME_STEP_S
    return int(math.ceil(seconds / step) * step)


def nice_time(seconds: float) -> str:
    """``--time`` value: rounded up to 15 minutes (5 under an hour)."""
    return format_time(_round_time(seconds))


def advise(runs: Sequence[Efficiency]) -> tuple[dict[str, str], tuple[str, ...]]:
    """The options to change for jobs like ``runs`` (one job, or an array's tasks) and why,
    from the largest need among them: memory and time by the peak, CPUs by the busiest."""
    suggested: dict[str, str] = {}
    advice: list[str] = []
    for rule in (_memory_advice, _time_advice, _cpu_advice, _gpu_advice):
        found = rule(runs)
        if found is not None:
            option, value, words = found
            if option:
                suggested[option] = value
            advice.append(words)
    return suggested, tuple(advice)


def _memory_advice(runs: Sequence[Efficiency]) -> tuple[str, str, str] | None:
    asked = max((r.mem_per_node or 0 for r in runs), default=0)
    peak = max((r.max_rss or 0 for r in runs), default=0)
    if not asked:
        return None
    if any(r.state == "OUT_OF_MEMORY" for r in runs):
        value = nice_memory(max(asked * 2, peak * MEM_HEADROOM))
        return "mem", value, f"ran out of memory with {slurm_size(asked)} per node: --mem={value} next time"
    ended = [r for r in runs if r.state in ENDED_RUNS and r.max_rss is not None]
    if not ended:
        return None
    if peak > asked * HIGH:
        value = nice_memory(peak * MEM_HEADROOM)
        return "mem", value, f"used {slurm_size(peak)} of {slurm_size(asked)}: --mem={value} next time"
    if peak > asked * LOW:
        return None
    if asked - _round_mem(peak * MEM_HEADROOM) < MIN_SAVING_BYTES:
        return None
    value = nice_memory(peak * MEM_HEADROOM)
    return "mem", value, f"asked {slurm_size(asked)}, used {slurm_size(peak)} at most: --mem={value} next time"


def _time_advice(runs: Sequence[Efficiency]) -> tuple[str, str, str] | None:
    limit = max((r.time_limit_s or 0 for r in runs), default=0)
    if not limit:
        return None
    if any(r.state == "TIMEOUT" for r in runs):
        value = nice_time(limit * TIME_HEADROOM)
        return "time", value, f"hit its {duration(limit)} limit: --time={value} next time, or resume from a checkpoint"
    completed = [r.elapsed_s for r in runs if r.state == "COMPLETED" and r.elapsed_s is not None]
    if not completed or max(completed) > limit * LOW:
        return None
    longest = max(completed)
    if limit - _round_time(longest * TIME_HEADROOM) < MIN_SAVING_S:
        return None
    value = nice_time(longest * TIME_HEADROOM)
    return (
        "time",
        value,
        (f"ran {duration(longest)} of {duration(limit)}: --time={value} next time (a shorter limit starts sooner)"),
    )


def _cpu_advice(runs: Sequence[Efficiency]) -> tuple[str, str, str] | None:
    """Words only: how CPUs are asked for (tasks, -c, nodes) is the script's business."""
    measured = [r for r in runs if r.cpu_eff is not None and r.cpus and r.cpus > 1 and r.state in ENDED_RUNS]
    if not measured:
        return None
    cpus = max(r.cpus or 0 for r in measured)
    busiest = max((r.cpu_s or 0.0) / (r.elapsed_s or 1) for r in measured)
    if busiest > cpus * LOW:
        return None
    enough = max(1, math.ceil(busiest * MEM_HEADROOM))
    return "", "", f"kept {busiest:.1f} of {cpus} CPUs busy on average: {enough} would do"


def _gpu_advice(runs: Sequence[Efficiency]) -> tuple[str, str, str] | None:
    utils = [r.gpu_util for r in runs if r.gpu_util is not None]
    if not utils or max(utils) >= LOW * 100:
        return None
    return "", "", (f"GPUs busy {max(utils):.0f}% on average: fewer GPUs, a larger batch, or more data-loader workers")


# ---- arrays --------------------------------------------------------------------------------


def array_id(record: AccountingRecord) -> str | None:
    """The array's job id for an array task (``123_4`` -> ``123``), None otherwise."""
    try:
        parsed = parse_job_id(record.job_id)
    except SlurmParseError:
        return None
    return parsed.job if parsed.array_task is not None else None


def unknown_job_ids(named: Sequence[str], records: Sequence[AccountingRecord]) -> list[str]:
    """The ids of ``named`` that none of ``records`` (sacct's answer for them) is.

    A plain id or an array spec (``123``, ``123_[1-3]``) is known by any record of that job
    or array, a task or het component (``123_4``, ``123+1``) by its own record. sacct shows an
    array task asked for by its own job id (``125``) as ``123_4``, which no named id matches: when
    such a record is among the answer, which named id it stands for cannot be told, so none is
    called unknown."""
    unknown = [job_id for job_id in named if not any(_claims(job_id, r) for r in records)]
    unclaimed = [r for r in records if not any(_claims(job_id, r) for job_id in named)]
    return [] if unclaimed else unknown


def _claims(job_id: str, record: AccountingRecord) -> bool:
    """Whether asking sacct for ``job_id`` explains ``record`` in its answer."""
    if record.job_id == job_id:
        return True
    base, sep, task = job_id.partition("_")
    whole = not sep or task.startswith("[")  # the job, the whole array or a range of it
    return whole and (array_id(record) or record.job_id.partition("+")[0]) == base


def summarise(records: Iterable[AccountingRecord]) -> list[Efficiency | ArraySummary]:
    """One entry per job and one per array (at the place of its first task), in order."""
    entries: list[Efficiency | ArraySummary] = []
    arrays: dict[str, list[Efficiency]] = {}
    for record in records:
        figures = efficiency(record)
        parent = array_id(record)
        if parent is None:
            entries.append(figures)
            continue
        if parent not in arrays:
            arrays[parent] = []
            entries.append(ArraySummary(parent, record.name, (), {}, ()))
        arrays[parent].append(figures)
    return [
        entry if isinstance(entry, Efficiency) else array_summary(entry.array_id, entry.name, arrays[entry.array_id])
        for entry in entries
    ]


def array_summary(array: str, name: str, tasks: Sequence[Efficiency]) -> ArraySummary:
    """The summary of array ``array`` (named ``name``) from its tasks' figures, with advice for all of them."""
    suggested, advice = advise(tasks)
    return ArraySummary(array, name, tuple(tasks), suggested, advice)


class EfficiencyIndex:
    """The figures of each of ``records`` (distinct job ids, such as the post-mortem's rows) and
    the summary of each array among them, each worked out the first time it is asked for: a
    cursor moving over an array's tasks costs a look-up, not the whole array's efficiencies."""

    def __init__(self, records: Iterable[AccountingRecord]) -> None:
        self._arrays: dict[str, list[AccountingRecord]] = {}  # array id -> its tasks, in order
        self._array_of: dict[str, str] = {}  # a task's job id -> its array's
        for record in records:
            parent = array_id(record)
            if parent is not None:
                self._arrays.setdefault(parent, []).append(record)
                self._array_of[record.job_id] = parent
        self._figures: dict[str, Efficiency] = {}
        self._summaries: dict[str, ArraySummary] = {}

    def figures(self, record: AccountingRecord) -> Efficiency:
        """``efficiency(record)``, computed once."""
        found = self._figures.get(record.job_id)
        if found is None:
            found = self._figures[record.job_id] = efficiency(record)
        return found

    def entry(self, record: AccountingRecord) -> Efficiency | ArraySummary:
        """What ``summarise`` gives for ``record``: its array's summary for an array task, else its figures."""
        parent = self._array_of.get(record.job_id)
        if parent is None:
            return self.figures(record)
        summary = self._summaries.get(parent)
        if summary is None:
            tasks = self._arrays[parent]
            summary = array_summary(parent, tasks[0].name, [self.figures(task) for task in tasks])
            self._summaries[parent] = summary
        return summary
