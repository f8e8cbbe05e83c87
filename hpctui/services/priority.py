"""A pending job's priority, rank and the user's fair-share, on demand only (the job details'
``w``): sprio twice and sshare in one round trip, never on a timer."""

from __future__ import annotations

from hpctui.services.actions import Runner
from hpctui.slurm.parse import split_poll
from hpctui.slurm.priority import PriorityReport, priority_command, priority_report


async def fetch_priority(link: Runner, job_id: str, partition: str, user: str | None) -> PriorityReport:
    """Raises SlurmProblem (sprio's own error, or output cut short) or LinkError."""
    first_partition = partition.split(",")[0]  # a job pending in several partitions: its first
    result = await link.run(priority_command(job_id, first_partition, user))
    return priority_report(job_id, split_poll(result.stdout))
