"""A pending job's priority, rank and the user's fair-share, on demand only (the job details'
``w``): sprio twice and sshare in one round trip, never on a timer."""

from __future__ import annotations

from hpctui.services.actions import Runner
from hpctui.slurm.models import Job
from hpctui.slurm.parse import split_poll
from hpctui.slurm.priority import PriorityReport, priority_command, priority_report, sprio_job_id


async def fetch_priority(link: Runner, job: Job, user: str | None) -> PriorityReport:
    """Raises SlurmProblem (sprio's own error, or output cut short) or LinkError."""
    job_id = sprio_job_id(job)
    first_partition = job.partition.split(",")[0]  # a job pending in several partitions: its first
    result = await link.run(priority_command(job_id, first_partition, user))
    return priority_report(job_id, split_poll(result.stdout))
