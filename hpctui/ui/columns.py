"""Columns of the job tables: title, cell text, sort key and width policy per column."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter
from typing import Any

from hpctui.format import duration, short_time
from hpctui.slurm.models import Job

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
    """The reason a pending job waits, otherwise the nodes it runs on."""
    if job.state == "PENDING":
        return job.reason
    return job.nodelist or job.reason


def elapsed_limit(job: Job) -> str:
    return f"{duration(job.time_used_s)} / {duration(job.time_limit_s)}"


def expected_start(job: Job) -> str:
    return short_time(job.start_time) if job.state == "PENDING" else ""


class Row:
    """One job as a table shows it, keyed by ``(cluster, job_id)``. ``finished_at`` is set
    once it vanished from squeue; ``haystack`` (lower-cased cells) is built on first filter."""

    __slots__ = ("key", "cluster", "id_key", "job", "finished_at", "haystack")

    def __init__(self, key: tuple[str, str], job: Job, finished_at: float | None = None) -> None:
        self.key = key
        self.cluster = key[0]
        self.id_key = job_id_key(key[1])  # the default sort, computed once per row
        self.job = job
        self.finished_at = finished_at
        self.haystack: str | None = None


@dataclass(frozen=True)
class Column:
    """``measure`` (a cheap raw attribute) sizes the column from the data, capped at
    ``max_width``; without it the column has ``width`` cells. ``flex`` takes the rest.
    In a narrow table, columns give up cells down to ``min_width`` in ``SHRINK_ORDER``."""

    key: str
    title: str
    cell: Callable[[Row], str]
    sort_key: Callable[[Row], Any]
    width: int = 0
    measure: Callable[[Row], str] | None = None
    max_width: int = 40
    flex: bool = False
    min_width: int | None = None  # None: never narrower than measured
    align_right: bool = False


def _attr(name: str) -> Callable[[Row], str]:
    return attrgetter(f"job.{name}")  # C speed: these run over every row on each refresh


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
        "name", "Name", _attr("name"), lambda r: r.job.name.lower(), measure=_attr("name"), max_width=24, min_width=8
    ),
    Column("state", "State", _attr("state"), _attr("state"), measure=_attr("state"), max_width=13),
    Column(
        "elapsed",
        "Elapsed / Limit",
        lambda r: elapsed_limit(r.job),
        lambda r: r.job.time_used_s or 0,
        width=21,
        min_width=10,
    ),
    Column("nodes", "Nodes", lambda r: str(r.job.num_nodes), _attr("num_nodes"), width=5, align_right=True),
    Column("gpus", "GPUs", lambda r: str(r.job.gpus) if r.job.gpus else "", _attr("gpus"), width=4, align_right=True),
    Column(
        "where", "Reason / NodeList", lambda r: where(r.job), lambda r: where(r.job), flex=True, width=16, min_width=8
    ),
    Column(
        "start",
        "Start (exp.)",
        lambda r: expected_start(r.job),
        lambda r: r.job.start_time or "",
        width=11,
        min_width=0,
    ),
)

SHRINK_ORDER = ("start", "where", "name", "partition", "elapsed")


def shrink(columns: Sequence[Column], widths: list[int], spare: int) -> list[int]:
    """Take ``-spare`` cells from the columns in ``SHRINK_ORDER``, none below its minimum."""
    widths = list(widths)
    position = {col.key: i for i, col in enumerate(columns)}
    for key in SHRINK_ORDER:
        i = position.get(key)
        minimum = columns[i].min_width if i is not None else None
        if spare >= 0 or i is None or minimum is None:
            continue
        give = max(0, min(-spare, widths[i] - minimum))
        widths[i] -= give
        spare += give
    return widths


# The overview's table: the same columns, led by the cluster's name.
_cluster = attrgetter("cluster")
CLUSTER_COLUMN = Column("cluster", "Cluster", _cluster, attrgetter("cluster", "id_key"), measure=_cluster, max_width=16)
OVERVIEW_COLUMNS: tuple[Column, ...] = (CLUSTER_COLUMN, *JOB_COLUMNS)
