"""What a job table shows, kept apart from how it is drawn.

The latest jobs of one or more clusters, filtered and sorted, then a group of jobs that
recently vanished from squeue. Rows are keyed by ``(cluster, job_id)`` so the widget can
keep its cursor on the same job across refreshes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter

from hpctui.slurm.models import ENDED_STATES, Job
from hpctui.ui.columns import Column, Row

Key = tuple[str, str]
_key = attrgetter("key")


class QueueModel:
    def __init__(self, columns: Sequence[Column], keep_finished_s: float = 600.0) -> None:
        self.columns = tuple(columns)
        self.keep_finished_s = keep_finished_s
        self.filter_text = ""
        self.sort_index = 0
        self.sort_reverse = False
        self.rows: list[Row] = []
        self.n_active = 0
        self.index: dict[Key, int] = {}
        self._active: dict[str, dict[str, Row]] = {}  # cluster -> job id -> row
        self._finished: dict[Key, Row] = {}

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
        """Take clusters' latest jobs; those that vanished join the finished group."""
        for cluster, jobs in jobs_by_cluster.items():
            self._take(cluster, jobs, now)
        self.expire(now)
        self.rebuild()

    def _take(self, cluster: str, jobs: Iterable[Job], now: float) -> None:
        old = self._active.get(cluster, {})
        new: dict[str, Row] = {}
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
        # "123_[5-9]" shrinks as tasks start: its old id did not finish.
        for job_id in old.keys() - new.keys():
            if "[" not in job_id and (cluster, job_id) not in self._finished:
                self._finished[(cluster, job_id)] = Row((cluster, job_id), old[job_id].job, finished_at=now)
        for key in [k for k in self._finished if k[0] == cluster and k[1] in new]:
            del self._finished[key]
        self._active[cluster] = new

    def _finish(self, cluster: str, job: Job, now: float) -> None:
        """An ended job squeue still lists: into the finished group, with its final state."""
        key = (cluster, job.job_id)
        row = self._finished.get(key)
        if row is None:
            self._finished[key] = Row(key, job, finished_at=now)
        elif row.job is not job:
            row.job, row.haystack = job, None

    def expire(self, now: float) -> bool:
        """Forget finished jobs older than ``keep_finished_s``; True when any went."""
        old = [k for k, r in self._finished.items() if now - (r.finished_at or now) > self.keep_finished_s]
        for key in old:
            del self._finished[key]
        return bool(old)

    def set_filter(self, text: str) -> None:
        self.filter_text = text
        self.rebuild()

    def cycle_sort(self) -> None:
        self.sort_index = (self.sort_index + 1) % len(self.columns)
        self.sort_reverse = False
        self.rebuild()

    def reverse_sort(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self.rebuild()

    def rebuild(self) -> None:
        active = [row for rows in self._active.values() for row in rows.values()]
        finished = list(self._finished.values())
        if self.filter_text:
            needle = self.filter_text.lower()
            active = [r for r in active if needle in self._haystack(r)]
            finished = [r for r in finished if needle in self._haystack(r)]
        active.sort(key=self.sort_column.sort_key, reverse=self.sort_reverse)
        finished.sort(key=lambda r: r.finished_at or 0.0, reverse=True)
        self.rows = active + finished
        self.n_active = len(active)
        self.index = dict(zip(map(_key, self.rows), range(len(self.rows)), strict=False))

    def _haystack(self, row: Row) -> str:
        if row.haystack is None:
            row.haystack = "\t".join(col.cell(row) for col in self.columns).lower()
        return row.haystack
