"""What a job table shows, kept apart from how it is drawn.

The latest jobs of one or more clusters, filtered and sorted, then a group of jobs that
recently vanished from squeue. Rows are keyed by ``(cluster, job_id)`` so the widget can
keep its cursor on the same job across refreshes. The queued tasks of a job array are one
row (an ``ArrayRow`` keyed by the array's id) with per-state counts, expanded to its tasks on
request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from operator import attrgetter

from hpctui.slurm.filenames import literal_pattern
from hpctui.slurm.models import ENDED_STATES, Job
from hpctui.ui.columns import UNKNOWN_END, ArrayRow, Column, Row, state_text

Key = tuple[str, str]
_key = attrgetter("key")
_id_key = attrgetter("id_key")

# squeue's short state codes, in the order an array row lists its counts.
SHORT_STATES: dict[str, str] = {
    "RUNNING": "R", "COMPLETING": "CG", "CONFIGURING": "CF", "PENDING": "PD", "REQUEUED": "RQ",
    "SUSPENDED": "S", "FAILED": "F", "TIMEOUT": "TO", "OUT_OF_MEMORY": "OOM", "NODE_FAIL": "NF",
    "PREEMPTED": "PR", "BOOT_FAIL": "BF", "DEADLINE": "DL", "CANCELLED": "CA", "COMPLETED": "CD",
}  # fmt: skip
_STATE_ORDER = {state: i for i, state in enumerate(SHORT_STATES)}
# End states squeue shows that accounting has nothing to add to (the exit code is 0:0, or
# a cancellation's signal).
SAID_ENOUGH = frozenset({"COMPLETED", "CANCELLED"})


@lru_cache(maxsize=4096)
def task_span(task_id: str) -> tuple[int, int, int]:
    """(lowest, highest, how many) task ids of ``4`` or a pending rest like ``[5-64%4]``."""
    numbers: list[int] = []
    count = 0
    for part in task_id.strip("[]").split("%")[0].split(","):
        low, _, high = part.partition("-")
        if not low.isdigit():
            continue
        top = int(high) if high.isdigit() else int(low)
        numbers += [int(low), top]
        count += top - int(low) + 1
    return (min(numbers), max(numbers), count) if numbers else (0, 0, 0)


def state_counts(counts: Counter[str]) -> str:
    """``12 R · 40 PD · 2 F · 10 CD``: running first, the ended last."""
    ordered = sorted(counts.items(), key=lambda item: (_STATE_ORDER.get(item[0], len(_STATE_ORDER)), item[0]))
    return " · ".join(f"{n} {SHORT_STATES.get(state, state)}" for state, n in ordered)


def task_counts(tasks: Iterable[Row]) -> Counter[str]:
    """How many tasks are in each state (a pending rest ``[5-64]`` counts as 60)."""
    counts: Counter[str] = Counter()
    for row in tasks:
        counts[state_text(row).split()[0]] += task_span(row.job.array_task_id or "")[2]
    return counts


def array_job(tasks: Sequence[Row], counts: Counter[str]) -> Job:
    """The job an array row shows: the first task's (its nodes and GPUs are per task), with
    the array's id, its task range, the state counts, the longest elapsed time and where its
    queued tasks are (why they wait, else their nodes)."""
    first = tasks[0].job
    spans = [task_span(row.job.array_task_id or "") for row in tasks]
    queued = [row.job for row in tasks if row.finished_at is None]
    waiting = next((job.stated_reason for job in queued if job.state == "PENDING" and job.stated_reason), "")
    nodes = ",".join(dict.fromkeys(job.nodelist for job in queued if job.nodelist))
    return first._replace(
        job_id=first.array_job_id or first.job_id,
        name=f"{first.name} [{min(s[0] for s in spans)}-{max(s[1] for s in spans)}]",
        state=state_counts(counts),
        reason=waiting or nodes,
        nodelist="",
        # the first task's log files, which its name and nodes (changed here) expand to
        stdout_pattern=literal_pattern(first.stdout),
        stderr_pattern=literal_pattern(first.stderr),
        # the queued tasks' longest; once all have finished, the longest any ran
        time_used_s=max((job.time_used_s or 0 for job in queued or [row.job for row in tasks]), default=0),
    )


class QueueModel:
    def __init__(self, columns: Sequence[Column], keep_finished_s: float = 600.0) -> None:
        self.columns = tuple(columns)
        self.keep_finished_s = keep_finished_s
        self.filter_text = ""
        self.sort_index = 0
        self.sort_reverse = False
        self.rows: list[Row] = []
        self.n_active = 0  # rows (lines) of queued jobs
        self.n_shown_jobs = 0  # queued jobs (array tasks one by one) the filter lets through
        self.index: dict[Key, int] = {}
        self.expanded: set[Key] = set()  # arrays shown with their tasks under them
        self.finished_counts: Counter[str] = Counter()  # the finished rows shown, by state
        self._active: dict[str, dict[str, Row]] = {}  # cluster -> job id -> row
        self._tasks: dict[str, list[Row]] = {}  # cluster -> its rows of array tasks
        self._finished: dict[Key, Row] = {}
        self._arrays: dict[Key, ArrayRow] = {}

    @property
    def sort_column(self) -> Column:
        return self.columns[self.sort_index]

    @property
    def n_queued(self) -> int:
        """Jobs in squeue, whether the filter shows them or not."""
        return sum(len(rows) for rows in self._active.values())

    @property
    def n_finished(self) -> int:
        return len(self.rows) - self.n_active

    def update(self, jobs_by_cluster: Mapping[str, Iterable[Job]], now: float) -> None:
        """Take clusters' latest jobs, then build the rows."""
        for cluster, jobs in jobs_by_cluster.items():
            self.take(cluster, jobs, now)
        self.rebuild()

    def take(self, cluster: str, jobs: Iterable[Job], now: float) -> None:
        """Take one snapshot of a cluster's jobs: those that vanished join the finished group,
        as the last snapshot that listed them showed them. Only dict updates, no rows built
        (``rebuild`` does): every snapshot is taken, even while no one shows the table, so
        the finished group knows every job that left, whichever tab shows it."""
        self._take(cluster, jobs, now)
        self.expire(now)

    def _take(self, cluster: str, jobs: Iterable[Job], now: float) -> None:
        old = self._active.get(cluster, {})
        new: dict[str, Row] = {}
        tasks: list[Row] = []
        for job in jobs:
            job_id = job.job_id
            if job.state in ENDED_STATES:  # still listed by squeue, but with the finished
                self._finish(cluster, job, now)
                continue
            row = old.get(job_id)
            if row is None:
                row = Row((cluster, job_id), job)
            elif row.job is not job:
                row.job, row.haystack = job, None  # reused: 10,000 allocations fewer per poll
            new[job_id] = row
            if job.array_job_id is not None:
                tasks.append(row)
        # "123_[5-9]" shrinks as tasks start: its old id did not finish.
        for job_id in old.keys() - new.keys():
            if "[" not in job_id and (cluster, job_id) not in self._finished:
                self._add_finished(Row((cluster, job_id), old[job_id].job, finished_at=now))
        for key in [k for k in self._finished if k[0] == cluster and k[1] in new]:
            del self._finished[key]
        self._active[cluster] = new
        self._tasks[cluster] = tasks

    def _finish(self, cluster: str, job: Job, now: float) -> None:
        """An ended job squeue still lists: into the finished group, with its final state."""
        key = (cluster, job.job_id)
        row = self._finished.get(key)
        if row is None:
            self._add_finished(Row(key, job, finished_at=now))
        elif row.job is not job:
            row.job, row.haystack = job, None

    def _add_finished(self, row: Row) -> None:
        self._finished[row.key] = row

    def unexplained(self) -> list[Row]:
        """Finished jobs whose end accounting could tell more of: those squeue lost before
        it showed an end, and failures (for the exit code). Not a pending array rest (it
        never ends: its tasks do)."""
        return [
            row
            for row in self._finished.values()
            if row.outcome in (None, UNKNOWN_END) and row.job.state not in SAID_ENOUGH and "[" not in row.key[1]
        ]

    def set_outcomes(self, cluster: str, asked: Iterable[str], outcomes: Mapping[str, str]) -> None:
        """How the ``asked`` finished jobs ended, as accounting says (``FAILED 1:0``), by job
        id: only end states (accounting lags the controller: it may still say RUNNING, then
        the row says ``UNKNOWN_END`` until it is asked again)."""
        for job_id in asked:
            row = self._finished.get((cluster, job_id))
            if row is not None and row.outcome in (None, UNKNOWN_END):
                row.outcome, row.haystack = outcomes.get(job_id, UNKNOWN_END), None
        self.rebuild()

    def expire(self, now: float) -> bool:
        """Forget finished jobs older than ``keep_finished_s``; True when any went."""
        old = [k for k, r in self._finished.items() if now - (r.finished_at or now) > self.keep_finished_s]
        for key in old:
            del self._finished[key]
        return bool(old)

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self.rebuild()

    def cycle_sort(self, shown: Collection[int] | None = None) -> None:
        """Sort by the next column of those ``shown`` (all when None)."""
        for step in range(1, len(self.columns) + 1):
            index = (self.sort_index + step) % len(self.columns)
            if shown is None or index in shown:
                break
        self.sort_index = index
        self.sort_reverse = False
        self.rebuild()

    def reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self.rebuild()

    def toggle_expanded(self, key: Key) -> None:
        """Show an array's tasks under its row, or fold them back."""
        self.expanded ^= {key}
        self.rebuild()

    def array_of(self, row: Row) -> ArrayRow | None:
        """The array row ``row`` is (or is a task of), if its array is grouped."""
        if isinstance(row, ArrayRow):
            return row
        array_id = row.job.array_job_id
        return self._arrays.get((row.cluster, array_id)) if array_id is not None else None

    def rebuild(self) -> None:
        top, finished = self._group()
        if self.filter_text:
            needle = self.filter_text.lower()
            top = [r for r in top if self._matches(r, needle)]
            finished = [r for r in finished if self._matches(r, needle)]
        top.sort(key=_id_key)  # ties of the sort column stay in job id order, either way
        if self.sort_index:
            top.sort(key=self.sort_column.sort_key, reverse=self.sort_reverse)
        elif self.sort_reverse:
            top.reverse()
        finished.sort(key=lambda r: r.finished_at or 0.0, reverse=True)
        active = self._with_expanded_tasks(top)
        self.n_shown_jobs = len(top) + sum(
            sum(1 for task in row.tasks if task.finished_at is None) - 1 for row in top if isinstance(row, ArrayRow)
        )
        self.rows = active + self._with_expanded_tasks(finished)
        self.n_active = len(active)
        self.finished_counts = Counter(state_text(r).split()[0] for r in finished if not isinstance(r, ArrayRow))
        for row in finished:
            if isinstance(row, ArrayRow):
                self.finished_counts.update(row.counts)
        self.index = dict(zip(map(_key, self.rows), range(len(self.rows)), strict=False))

    def _group(self) -> tuple[list[Row], list[Row]]:
        """The queued and the finished rows, each array of two or more tasks as one row
        (one task shows as itself): with the queued rows while any task is queued (its
        finished tasks are counted there), with the finished once none is."""
        top: list[Row] = []
        tasks: dict[Key, list[Row]] = {}
        for cluster, cluster_rows in self._active.items():
            in_arrays = self._tasks.get(cluster, [])
            for row in in_arrays:
                tasks.setdefault((cluster, row.job.array_job_id or ""), []).append(row)
            if in_arrays:  # (10,000 rows without arrays are taken at C speed)
                top += [row for row in cluster_rows.values() if row.job.array_job_id is None]
            else:
                top += cluster_rows.values()
        finished: list[Row] = []
        ended: dict[Key, list[Row]] = {}
        for row in self._finished.values():
            if (array_id := row.job.array_job_id) is not None:
                ended.setdefault((row.cluster, array_id), []).append(row)
        for row in self._finished.values():
            if row.job.array_job_id is not None:
                continue
            if row.key in tasks or row.key in ended:
                self._end_with_rest(row, ended.get(row.key, []))
            else:
                finished.append(row)
        arrays: dict[Key, ArrayRow] = {}
        for key in tasks.keys() | ended.keys():
            queued, done = tasks.get(key, []), ended.get(key, [])
            rows = sorted(queued, key=_id_key) + sorted(done, key=_id_key)
            if len(rows) == 1 and "[" not in rows[0].key[1]:
                (top if queued else finished).append(rows[0])
                continue
            finished_at = None if queued else max(row.finished_at or 0.0 for row in done)
            arrays[key] = self._array_row(key, rows, finished_at)
            (top if queued else finished).append(arrays[key])
        self._arrays = arrays
        self.expanded &= arrays.keys()
        return top, finished

    @staticmethod
    def _end_with_rest(rest: Row, done: list[Row]) -> None:
        """squeue shows an array's pending rest that ended (cancelled while held) as ONE
        record with the array's id and no task: its tasks that vanished without an end
        take its state, and it is no row of its own (its key is the array row's)."""
        for task in done:
            if task.outcome in (None, UNKNOWN_END) and task.job.state not in ENDED_STATES:
                task.outcome, task.haystack = rest.job.state, None

    def _array_row(self, key: Key, tasks: list[Row], finished_at: float | None) -> ArrayRow:
        counts = task_counts(tasks)
        job = array_job(tasks, counts)
        row = self._arrays.get(key)
        if row is None:
            row = ArrayRow(key, job, tasks)
        elif row.job != job:
            row.job, row.haystack = job, None
        row.tasks, row.counts, row.finished_at = tasks, counts, finished_at
        return row

    def _with_expanded_tasks(self, top: list[Row]) -> list[Row]:
        if not self.expanded:
            return top
        rows: list[Row] = []
        for row in top:
            rows.append(row)
            if isinstance(row, ArrayRow) and row.key in self.expanded:
                rows += row.tasks
        return rows

    def _matches(self, row: Row, needle: str) -> bool:
        if needle in self._haystack(row):
            return True
        return isinstance(row, ArrayRow) and any(needle in self._haystack(task) for task in row.tasks)

    def _haystack(self, row: Row) -> str:
        if row.haystack is None:
            row.haystack = "\t".join(col.cell(row) for col in self.columns).lower()
        return row.haystack
