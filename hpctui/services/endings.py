"""How jobs that left the queue ended, from accounting, shared by everyone who asks.

The cluster's tab and the Overview (for the exit code of a finished row) and the notices (to
announce an end only once accounting says how) all want the same answer for the same jobs at
the same moment. ``Endings`` runs ONE sacct at a time per cluster for whatever is not known yet,
and keeps the records of ended jobs: an end never changes, so it is never asked again.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable

from hpctui.services.actions import Runner
from hpctui.services.sacct import sacct_records
from hpctui.slurm.models import ENDED_STATES, AccountingRecord

KEEP = 10_000  # ended jobs remembered per cluster


class Endings:
    def __init__(self, link: Runner, cluster_name: str, user: str | None = None) -> None:
        self.link = link
        self.cluster_name = cluster_name
        self.user = user
        self.sacct_runs = 0
        self._ended: OrderedDict[str, AccountingRecord] = OrderedDict()
        self._one_at_a_time = asyncio.Lock()
        # The last sacct's answer: who waited for it to finish takes it rather than asking again
        # (while accounting lags, a job it calls RUNNING is not kept in ``_ended``).
        self._last_asked: frozenset[str] = frozenset()
        self._last_found: dict[str, AccountingRecord] = {}

    async def lookup(self, job_ids: Iterable[str]) -> dict[str, AccountingRecord]:
        """Accounting's record of each of ``job_ids`` it knows (ended or, as it lags, still
        running), by job id. Raises LinkError or SlurmProblem when sacct cannot answer."""
        wanted = list(dict.fromkeys(job_ids))
        runs_before = self.sacct_runs
        async with self._one_at_a_time:  # who waited here finds what the last sacct found
            answered = self._last_asked if self.sacct_runs > runs_before else frozenset()
            recent = self._last_found if answered else {}
            missing = [job_id for job_id in wanted if job_id not in self._ended and job_id not in answered]
            fresh = await self._ask(missing) if missing else {}
        found = {job_id: self._ended.get(job_id) or fresh.get(job_id) or recent.get(job_id) for job_id in wanted}
        return {job_id: record for job_id, record in found.items() if record is not None}

    async def _ask(self, job_ids: list[str]) -> dict[str, AccountingRecord]:
        parsed = await sacct_records(self.link, self.cluster_name, self.user, [], job_ids=job_ids)
        records = {record.job_id: record for record in parsed}
        for job_id, record in records.items():
            # Kept only whole: right after an end, sacct may show a stand-in record (named
            # "allocation", no partition) before the job's own.
            if record.state in ENDED_STATES and record.partition:
                self._ended[job_id] = record
        while len(self._ended) > KEEP:
            self._ended.popitem(last=False)
        self._last_asked, self._last_found = frozenset(job_ids), records
        self.sacct_runs += 1  # counted once answered: see lookup
        return records
