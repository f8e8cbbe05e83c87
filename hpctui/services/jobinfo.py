"""Job details: every field of `scontrol show job`, grouped the way a user reads them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hpctui.services.jobnode import host_for
from hpctui.slurm.commands import scontrol_job_command
from hpctui.slurm.errors import check_errors
from hpctui.slurm.filenames import expand_filename
from hpctui.slurm.interactive import job_node
from hpctui.slurm.models import Job
from hpctui.slurm.parse import parse_scontrol_job
from hpctui.ssh.link import ClusterLink

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Identity",
        (
            "JobId",
            "ArrayJobId",
            "ArrayTaskId",
            "JobName",
            "UserId",
            "GroupId",
            "Account",
            "QOS",
            "Partition",
            "Priority",
        ),
    ),
    (
        "State and reason",
        ("JobState", "Reason", "Dependency", "Requeue", "Restarts", "BatchFlag", "ExitCode", "DerivedExitCode"),
    ),
    (
        "Times",
        (
            "SubmitTime",
            "EligibleTime",
            "AccrueTime",
            "StartTime",
            "EndTime",
            "RunTime",
            "TimeLimit",
            "TimeMin",
            "Deadline",
            "SuspendTime",
            "PreemptEligibleTime",
        ),
    ),
    (
        "Resources and GRES",
        (
            "NodeList",
            "BatchHost",
            "NumNodes",
            "NumCPUs",
            "NumTasks",
            "CPUs/Task",
            "ReqTRES",
            "AllocTRES",
            "TresPerNode",
            "TresPerJob",
            "Gres",
            "MinMemoryNode",
            "MinMemoryCPU",
            "Features",
            "ReqNodeList",
            "ExcNodeList",
        ),
    ),
    ("Paths", ("Command", "WorkDir", "StdOut", "StdErr", "StdIn")),
)


@dataclass(frozen=True)
class JobDetails:
    cluster: str
    job_id: str
    fields: dict[str, str]

    def get(self, key: str) -> str | None:
        value = self.fields.get(key)
        return None if value in (None, "", "(null)") else value

    @property
    def stdout(self) -> str | None:
        return self.get("StdOut")

    @property
    def stderr(self) -> str | None:
        return self.get("StdErr")

    @property
    def work_dir(self) -> str | None:
        return self.get("WorkDir")

    @property
    def state(self) -> str | None:
        return self.get("JobState")

    @property
    def pending_rest(self) -> bool:
        """scontrol's record of an array's tasks that have not started (``ArrayTaskId=3-4%2``):
        its StdOut and StdErr hold Slurm's NO_VAL (4294967294) where the task id goes, a
        file no task ever writes."""
        return is_task_range(self.get("ArrayTaskId"))

    def groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The fields in named groups; fields no group names go to "Other", none is dropped."""
        placed: set[str] = set()
        result = []
        for title, keys in GROUPS:
            rows = [(key, self.fields[key]) for key in keys if key in self.fields]
            placed.update(key for key, _ in rows)
            if rows:
                result.append((title, rows))
        other = [(key, value) for key, value in self.fields.items() if key not in placed]
        if other:
            result.append(("Other", other))
        return result


async def fetch_job_details(link: ClusterLink, job_id: str) -> JobDetails:
    """Ask the controller for one job (1 RPC). Raises SlurmError for an unknown job."""
    result = await link.run(scontrol_job_command(job_id))
    check_errors(result.stderr)
    check_errors(result.stdout)
    return JobDetails(link.name, job_id, parse_scontrol_job(result.stdout))


async def log_files(link: ClusterLink, details: JobDetails, job: Job | None = None) -> tuple[str | None, str | None]:
    """Where the job's batch step writes its output and its errors.

    scontrol 22.05 expands only the bare %A %a %j %u %x in the paths it prints; what it leaves
    (the node's codes %N %n %t %s, %J, codes with a width, "%%", a backslash) is expanded here
    as slurmstepd did on the job's batch host: from ``job``'s pattern as squeue printed it
    when it is given (expanded once, exactly), else from scontrol's path. scontrol does not
    escape what it puts in, so there a job name holding a "%" code is expanded again, and a
    pattern's "%%j" or backslash, which scontrol expands wrongly, cannot be undone.

    %N is the node's host name, which need not be its Slurm name: it is asked of the
    controller when a path uses it (1 RPC), and the node's name stands in when that fails.
    A pending job's paths stay as scontrol prints them."""
    paths = (details.stdout, details.stderr)
    node = job_node(details.fields)
    if not node or not any(path and ("%" in path or "\\" in path) for path in paths):
        return paths
    if job is not None and job.stdout_pattern is not None:
        return job.log_paths(await host_for(link, node, (job.stdout_pattern, job.stderr_pattern)))
    host = await host_for(link, node, paths)
    stdout, stderr = (_expanded(path, details, host) if path else path for path in paths)
    return stdout, stderr


def is_task_range(task_id: str | None) -> bool:
    """An array task id naming several tasks (``3-4%2``, ``[3-4]``): the array's pending rest."""
    return task_id is not None and not task_id.isdigit()


def log_task(jobs: Iterable[Job], array_id: str) -> Job | None:
    """The task a user means by a whole array's log: its first running task, else the one that
    started last (a finished task the queue still lists); None while every task waits."""
    tasks = [job for job in jobs if job.array_job_id == array_id and (job.array_task_id or "").isdigit()]
    running = [job for job in tasks if job.state == "RUNNING"]
    if running:
        return min(running, key=lambda job: int(job.array_task_id or 0))
    started = [job for job in tasks if job.state != "PENDING"]
    return max(started, key=lambda job: (job.start_time or "", int(job.array_task_id or 0)), default=None)


def _expanded(path: str, details: JobDetails, host: str) -> str:
    user = (details.get("UserId") or "").partition("(")[0]
    job_id = details.get("JobId") or details.job_id
    name = details.get("JobName") or ""
    return expand_filename(path, job_id, details.get("ArrayJobId"), details.get("ArrayTaskId"), name, user, host)
