"""Columns of the job tables: title, cell text, sort key and width policy per column."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import Any, Protocol

from hpctui.format import duration, short_time
from hpctui.slurm.models import ENDED_STATES, Job

# Slurm state -> colour category (a component class of JobTable and a theme variable).
STATE_CATEGORIES: dict[str, str] = {
    "RUNNING": "running",
    "PENDING": "pending",
    "REQUEUED": "pending",
    "COMPLETING": "transition",
    "CONFIGURING": "transition",
    "COMPLETED": "done",
    "FAILED": "bad",
    "TIMEOUT": "bad",
    "NODE_FAIL": "bad",
    "OUT_OF_MEMORY": "bad",
    "BOOT_FAIL": "bad",
    "DEADLINE": "bad",
    "CANCELLED": "done",  # mostly on purpose: calm grey, post-mortem tells the rest
    "PREEMPTED": "bad",
}


def state_category(state: str) -> str:
    return STATE_CATEGORIES.get(state.split()[0] if state else "", "other")


@lru_cache(maxsize=1 << 16)
def job_id_key(job_id: str) -> tuple[int, int, str]:
    """Numeric order for ``123``, ``123_4`` and ``123_[5-9]`` (after the started tasks)."""
    head, _, task = job_id.partition("_")
    digits = "".join(c for c in task.lstrip("[") if c.isdigit()) if task else ""
    pending_rest = 1 if task.startswith("[") else 0
    return (int(head) if head.isdigit() else 0, pending_rest * 10**9 + int(digits or 0), job_id)


def where(job: Job) -> str:
    """The reason a pending job waits, otherwise the nodes it runs on (never Slurm's "None")."""
    if job.state == "PENDING":
        return job.stated_reason
    return job.nodelist or job.stated_reason


def elapsed_limit(job: Job) -> str:
    return f"{duration(job.time_used_s)} / {duration(job.time_limit_s)}"


def expected_start(job: Job) -> str:
    return short_time(job.start_time) if job.state == "PENDING" else ""


class Row:
    """One job as a table shows it, keyed by ``(cluster, job_id)``. ``finished_at`` is set
    once it vanished from squeue; ``haystack`` (lower-cased cells) is built on first filter.
    ``outcome`` is how a finished job ended (``FAILED 1:0``) once accounting answered
    (``UNKNOWN_END`` when it knew no end yet), or as squeue showed its array's pending rest end."""

    __slots__ = ("key", "cluster", "id_key", "job", "finished_at", "haystack", "outcome")

    def __init__(self, key: tuple[str, str], job: Job, finished_at: float | None = None) -> None:
        self.key = key
        self.cluster = key[0]
        self.id_key = job_id_key(key[1])  # the default sort, computed once per row
        self.job = job
        self.finished_at = finished_at
        self.haystack: str | None = None
        self.outcome: str | None = None


class ArrayRow(Row):
    """One row for the tasks of a job array (``123``, what scancel takes for all of them):
    its ``job`` is the first task's with the array's id, name, state counts and totals;
    ``counts`` is how many tasks are in each state."""

    __slots__ = ("tasks", "counts")

    def __init__(self, key: tuple[str, str], job: Job, tasks: list[Row]) -> None:
        super().__init__(key, job)
        self.tasks = tasks
        self.counts: Counter[str] = Counter()


# What a finished job's state says when squeue lost it before it printed an end state
# (MinJobAge), so its last state would mislead: accounting answered without an end yet, or
# could not be asked yet (no link, no slurmdbd).
UNKNOWN_END = "ENDED"
UNASKED_END = "ENDED?"


def state_text(row: Row) -> str:
    """The state as the table shows it: a finished job never shows a queued state (an
    array row shows its tasks' counts)."""
    if row.finished_at is None or isinstance(row, ArrayRow):
        return row.job.state
    if row.outcome is not None:
        return row.outcome
    return row.job.state if row.job.state in ENDED_STATES else UNASKED_END


def start_text(row: Row) -> str:
    """When a pending job is expected to start (not once it left the queue)."""
    return expected_start(row.job) if row.finished_at is None else ""


def where_text(row: Row) -> str:
    """Reason or nodes; a finished job shows where it ran, never why it waited."""
    if row.finished_at is None:
        return where(row.job)
    return row.job.nodelist


@dataclass(frozen=True)
class Column:
    """``measure`` (a cheap raw attribute) sizes the column from the data, capped at
    ``max_width``; without it the column has ``width`` cells. ``flex`` columns grow up to
    ``max_width`` when there is room. ``optional`` columns hide when no row has a value.
    A narrow table shrinks columns down to ``min_width`` (None: never narrower than
    measured) or drops them, in ``FIT_STEPS`` order (see ``layout``)."""

    key: str
    title: str
    cell: Callable[[Row], str]
    sort_key: Callable[[Row], Any]
    width: int = 0
    measure: Callable[[Row], str] | None = None
    max_width: int = 40
    flex: bool = False
    min_width: int | None = None
    align_right: bool = False
    optional: bool = False


def _attr(name: str) -> Callable[[Row], str]:
    return attrgetter(f"job.{name}")  # C speed: these run over every row on each refresh


_time_used = attrgetter("job.time_used_s")
_time_limit = attrgetter("job.time_limit_s")


def _elapsed_width(rows: Sequence[Row], n_active: int) -> int:
    """Cells of the widest ``elapsed / limit`` without formatting every row: the longest
    durations are those of the largest values (and ∞ is one cell)."""
    used = max(filter(None, map(_time_used, rows)), default=0)
    limit = max(filter(None, map(_time_limit, rows)), default=0)
    return len(duration(used)) + 3 + len(duration(limit))


def _state_width(rows: Sequence[Row], n_active: int) -> int:
    """The widest state: a queued row's own (a raw attribute, read at C speed), a finished
    row's as ``state_text`` says (there are few of those)."""
    queued = max(map(len, map(_attr("state"), rows[:n_active])), default=0)
    return max(queued, max(map(len, map(state_text, rows[n_active:])), default=0))


JOB_COLUMNS: tuple[Column, ...] = (
    Column("job_id", "JobID", _attr("job_id"), attrgetter("id_key"), measure=_attr("job_id"), max_width=20),
    Column(
        "partition",
        "Partition",
        _attr("partition"),
        _attr("partition"),
        measure=_attr("partition"),
        max_width=16,
        min_width=5,
    ),
    Column(
        "name", "Name", _attr("name"), lambda r: r.job.name.lower(), measure=_attr("name"), max_width=32, min_width=10
    ),
    Column("state", "State", state_text, state_text, max_width=24),
    Column("elapsed", "Elapsed / Limit", lambda r: elapsed_limit(r.job), lambda r: r.job.time_used_s or 0, width=9),
    Column("nodes", "Nodes", lambda r: str(r.job.num_nodes), _attr("num_nodes"), width=5, align_right=True),
    Column(
        "gpus",
        "GPUs",
        lambda r: str(r.job.gpus) if r.job.gpus else "",
        _attr("gpus"),
        width=4,
        align_right=True,
        optional=True,
    ),
    Column("where", "Reason / NodeList", where_text, where_text, flex=True, width=16, max_width=40, min_width=8),
    Column(
        "start",
        "Start (exp.)",
        start_text,
        lambda r: r.job.start_time or "",
        width=11,
        optional=True,
    ),
)

# Columns sized by a function of all rows and how many are queued, rather than by ``measure``.
SIZERS: dict[str, Callable[[Sequence[Row], int], int]] = {"elapsed": _elapsed_width, "state": _state_width}

# A narrow table takes these steps in turn until the columns fit: shrink a column to its
# ``min_width``, or drop it (the least useful first, the name gives up cells late); the job
# id and the state always stay. Why a job waits ("PartitionConfig") outranks its node count
# and the partition's full title; how many GPUs a job holds outranks the partition and the
# name's last cells (at 80 columns a cluster's tab shows it; the Overview, with its
# Cluster column, may not).
FIT_STEPS: tuple[tuple[str, str], ...] = (
    ("drop", "start"),
    ("drop", "nodes"),
    ("shrink", "partition"),
    ("shrink", "where"),
    ("drop", "partition"),
    ("shrink", "name"),
    ("drop", "gpus"),
    ("drop", "where"),
    ("drop", "elapsed"),
    ("drop", "cluster"),
)
SEPARATOR = 1  # a space after every column


class Fitting(Protocol):
    """What ``layout`` needs of a column (a queue ``Column``, a ``FitColumn`` of a list)."""

    @property
    def key(self) -> str: ...
    @property
    def flex(self) -> bool: ...
    @property
    def min_width(self) -> int | None: ...
    @property
    def max_width(self) -> int: ...


@dataclass(frozen=True)
class FitColumn:
    """A column of a DataTable list as ``layout`` fits it: ``width`` cells, or down to ``min_width``;
    a ``flex`` one grows up to ``max_width`` into the room left."""

    key: str
    width: int
    min_width: int | None = None
    flex: bool = False
    max_width: int = 0


def layout(
    columns: Sequence[Fitting],
    measured: Sequence[int],
    total: int,
    steps: Sequence[tuple[str, str]] = FIT_STEPS,
    separator: int = SEPARATOR,
) -> list[int]:
    """Widths of ``columns`` in a table of ``total`` cells; 0 hides a column (its measured
    width is 0 when it has no values, or it did not fit). A table too narrow takes ``steps``
    in turn (shrink a column to its ``min_width``, or drop it) until the columns fit. Flex
    columns then take the room left, up to their ``max_width``: the rest stays blank at the
    right rather than spreading the columns across a wide terminal. Every shown column takes
    ``separator`` cells more."""
    widths = list(measured)
    position = {col.key: i for i, col in enumerate(columns)}

    def spare() -> int:
        return total - sum(w + separator for w in widths if w)

    for step, key in steps:
        if spare() >= 0:
            break
        i = position.get(key)
        if i is None or not widths[i]:
            continue
        if step == "drop":
            widths[i] = 0
        elif (minimum := columns[i].min_width) is not None:
            widths[i] -= max(0, min(-spare(), widths[i] - minimum))
    for i, col in enumerate(columns):
        if col.flex and widths[i] and spare() > 0:
            widths[i] += max(0, min(spare(), col.max_width - widths[i]))
    return widths


# The overview's table: the same columns, led by the cluster's name.
_cluster = attrgetter("cluster")
CLUSTER_COLUMN = Column("cluster", "Cluster", _cluster, attrgetter("cluster", "id_key"), measure=_cluster, max_width=16)
OVERVIEW_COLUMNS: tuple[Column, ...] = (CLUSTER_COLUMN, *JOB_COLUMNS)


# A DataTable list (post-mortem, notifications) spends these on each column and on its scrollbar.
CELL_PADDING = 2
SCROLLBAR = 2


def fitted(columns: Sequence[FitColumn], steps: Sequence[tuple[str, str]], total: int) -> dict[str, int]:
    """The columns of a DataTable list shown in ``total`` cells and their widths, in order."""
    widths = layout(columns, [column.width for column in columns], total - SCROLLBAR, steps, CELL_PADDING)
    return {column.key: width for column, width in zip(columns, widths, strict=True) if width}
