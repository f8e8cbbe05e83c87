"""Deterministic data for UI tests and the UI benchmark: real models (Job, Node, Snapshot,
LinkStatus), served by a test double of the data source (a Workspace whose sessions publish
what the test tells them to). Lab tests use the real Workspace instead."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from publisher import Publisher

from hpctui.config.model import Cluster, Config, GpuPartition, Purge, Refresh, SshTarget
from hpctui.services.actions import Actions
from hpctui.services.audit import AuditLog
from hpctui.services.endings import Endings
from hpctui.services.purge_watch import PurgeWatch, has_purge_policy
from hpctui.services.tunnels import TunnelManager
from hpctui.slurm.models import Gres, Job, Node, PartitionGpus, Snapshot
from hpctui.ssh.types import LinkError, LinkState, LinkStatus, Result
from hpctui.toolkit.purge import purge_command, threshold_days

NOW = 1_717_000_000.0  # the fixed "now" of snapshot tests


class FakeLink(Publisher):
    """A link whose status the test sets; ``run`` answers the commands in ``answers`` (built
    with the real command builders) and fails like a dropped link on any other."""

    def __init__(self, status: LinkStatus) -> None:
        super().__init__()
        self.status = status
        self.name = status.cluster
        self.answers: dict[str, Result] = {}
        self.commands: list[str] = []  # every command run, answered or not

    async def run(self, command: str, *, timeout: float | None = None, input: str | None = None) -> Result:
        self.commands.append(command)
        if command not in self.answers:
            raise LinkError(f"{self.status.cluster}: connection lost")
        return self.answers[command]

    async def wait_connected(self, timeout: float | None = None) -> None:
        if self.status.state is not LinkState.CONNECTED:
            raise LinkError(f"{self.status.cluster}: not connected ({self.status.state.value})")

    def stream(self, command: str) -> Any:
        raise LinkError(f"{self.status.cluster}: connection lost")

    async def reconnect(self) -> None:
        self.reconnects = getattr(self, "reconnects", 0) + 1

    def set(self, status: LinkStatus) -> None:
        self.status = status
        self.publish(status)


class FakePoller(Publisher):
    def __init__(self, snapshot: Snapshot, interval_s: float) -> None:
        super().__init__()
        self.latest = snapshot
        self.interval_s = interval_s
        self.refresh_requests = 0
        self.watched = True

    def refresh_now(self, nodes: bool = False) -> None:
        self.refresh_requests += 1

    def set_watched(self, watched: bool) -> None:
        if watched and not self.watched:
            self.refresh_now()
        self.watched = watched

    def set(self, snapshot: Snapshot) -> None:
        self.latest = snapshot
        self.publish(snapshot)


class FakeSession:
    """A session whose data the test sets; its ``actions`` are the real planner (commands
    are only run when a test confirms, which the UI tests never do)."""

    def __init__(self, cluster: Cluster, snapshot: Snapshot, status: LinkStatus, audit: AuditLog) -> None:
        self.cluster = cluster
        self.name = cluster.name
        self.link = FakeLink(status)
        self.poller = FakePoller(snapshot, cluster.refresh.queue_s)
        self.actions = Actions(self.link, cluster.name, audit, after=self.poller.refresh_now)  # type: ignore[arg-type]
        self.details: dict[str, Any] = {}  # job id -> JobDetails or the exception to raise
        self.purge_watch = PurgeWatch(self.link, cluster) if has_purge_policy(cluster) else None  # type: ignore[arg-type]
        self.tunnels = TunnelManager(self.link)  # type: ignore[arg-type]
        self.endings = Endings(self.link, cluster.name, cluster.queue_user)  # type: ignore[arg-type]

    async def job_details(self, job_id: str) -> Any:
        """What the test put in ``details``; Slurm's answer for a job it does not know otherwise."""
        from hpctui.slurm.errors import SlurmError

        found = self.details.get(job_id, SlurmError("slurm_load_jobs error: Invalid job id specified"))
        if isinstance(found, Exception):
            raise found
        return found


class FakeWorkspace:
    def __init__(self, config: Config, sessions: list[FakeSession], audit: AuditLog) -> None:
        self.config = config
        self.audit = audit
        self.sessions = {s.cluster.name: s for s in sessions}
        self.started = False
        self.closed = False

    def session(self, name: str) -> FakeSession:
        return self.sessions[name]

    async def start(self) -> None:
        self.started = True

    async def close(self) -> None:
        self.closed = True


# ----- the data ---------------------------------------------------------------------------


def job(job_id: str, cluster: str = "alpha", **fields: Any) -> Job:
    array_job, _, task = job_id.partition("_")
    base = dict(
        job_id=job_id,
        array_job_id=array_job if task else None,
        array_task_id=task or None,
        name="train",
        user="hpcuser",
        partition="gpu",
        state="RUNNING",
        reason="None",
        time_used_s=600,
        time_limit_s=3600,
        num_nodes=1,
        nodelist="a1",
        gpus=1,
        tres="cpu=2,mem=1G,node=1,gres/gpu=1",
        submit_time="2024-05-29T15:00:00",
        start_time="2024-05-29T15:10:00",
        stdout_pattern=f"/home/hpcuser/project/logs/train_{job_id}.out",
        stderr_pattern=f"/home/hpcuser/project/logs/train_{job_id}.err",
        work_dir="/home/hpcuser/project",
        cluster=cluster,
    )
    base.update(fields)
    return Job(**base)  # type: ignore[arg-type]


def pending(job_id: str, cluster: str = "alpha", reason: str = "Resources", **fields: Any) -> Job:
    return job(
        job_id,
        cluster,
        state="PENDING",
        reason=reason,
        time_used_s=0,
        nodelist="",
        start_time="2024-05-30T09:00:00",
        **fields,
    )


def alpha_jobs() -> tuple[Job, ...]:
    return (
        job("1001", name="gpu2run", gpus=2, time_used_s=4000, time_limit_s=86_400),
        job("1002", name="finetune-llama", gpus=8, num_nodes=2, nodelist="a[1-2]"),
        job("1003_1", name="sweep"),
        job("1003_2", name="sweep", state="COMPLETING"),
        pending("1003_[3-8]", name="sweep"),
        pending("1004", name="held", reason="JobHeldUser"),
        pending("1005", name="big-eval", reason="Priority", gpus=16, num_nodes=4),
        job("1006", name="preprocess", partition="cpu", gpus=0, nodelist="a3", time_limit_s=None),
    )


def beta_jobs() -> tuple[Job, ...]:
    return (
        job("5001", "beta", name="resnet", partition="accel", nodelist="b1"),
        pending("5002", "beta", name="resnet-big", partition="accel", reason="Resources", gpus=4),
        job("5003", "beta", name="tiles", partition="normal", gpus=0, nodelist="b3"),
    )


def gpu_node(
    name: str, partition: str, gpu_type: str, count: int, used: int, state: str, cpus: tuple[int, int]
) -> Node:
    alloc, total = cpus
    return Node(
        name,
        "vm",
        partition,
        state,
        (Gres("gpu", gpu_type, count),),
        (Gres("gpu", gpu_type, used),),
        alloc,
        total - alloc,
        0,
        total,
    )


def alpha_nodes() -> tuple[Node, ...]:
    return (
        gpu_node("a1", "gpu", "mi250x", 8, 5, "mix", (5, 16)),
        gpu_node("a2", "gpu", "mi250x", 8, 0, "idle", (0, 16)),
        Node("a3", "vm", "cpu", "idle", (), (), 0, 16, 0, 16),
    )


def beta_nodes() -> tuple[Node, ...]:
    return (
        gpu_node("b1", "accel", "a100", 4, 1, "mix", (2, 16)),
        gpu_node("b2", "accel", "a100", 4, 0, "drain", (0, 16)),
    )


def partitions(
    name: str, gpu_type: str, nodes: tuple[Node, ...], states: dict[str, int], unavailable: int = 0
) -> PartitionGpus:
    mine = [n for n in nodes if n.partition == name]
    return PartitionGpus(
        name,
        {gpu_type: sum(n.gpus_total for n in mine)},
        {gpu_type: sum(n.gpus_used for n in mine)},
        states,
        {gpu_type: unavailable} if unavailable else {},
    )


def snapshot(cluster: str, jobs: tuple[Job, ...], at: float = NOW - 4, error: str | None = None) -> Snapshot:
    nodes = alpha_nodes() if cluster == "alpha" else beta_nodes()
    summary = (
        partitions("gpu", "mi250x", nodes, {"idle": 1, "mixed": 1})
        if cluster == "alpha"
        else partitions("accel", "a100", nodes, {"mixed": 1, "drained": 1}, unavailable=4)
    )
    return Snapshot(cluster, jobs, nodes, (summary,), at, at, error)


def big_jobs(count: int, cluster: str = "alpha", start: int = 100_000) -> tuple[Job, ...]:
    """``count`` jobs, a third pending, for benchmarks and scrolling tests."""
    return tuple(
        pending(str(start + i), cluster, name=f"sweep-{i % 97}")
        if i % 3 == 0
        else job(str(start + i), cluster, name=f"sweep-{i % 97}", time_used_s=i % 5000)
        for i in range(count)
    )


def cluster(name: str, partition: str, gpu_type: str, queue_s: float = 15.0, purge: Purge = Purge()) -> Cluster:
    return Cluster(
        name=name,
        ssh=SshTarget(alias=name),
        partitions=(GpuPartition(partition, gpu_type, vram_gb=64 if name == "alpha" else 40),
                    GpuPartition("cpu" if name == "alpha" else "normal")),
        refresh=Refresh(queue_s=queue_s),
        purge=purge,
    )  # fmt: skip


ALPHA_PURGE = Purge(days=90, dirs=("/scratch/hpcuser",), margin_days=7)


def purge_answer(ages_days: dict[str, tuple[float, int]]) -> Result:
    """What the purge check's find prints on alpha: the remote clock (NOW), one ``ok`` for
    /scratch/hpcuser, then ``ATIME MTIME SIZE PATH`` NUL-terminated, per path (age, size)."""
    records = "".join(
        f"{NOW - age * 86400:.0f} {NOW - age * 86400:.0f} {size} {path}\0" for path, (age, size) in ages_days.items()
    )
    command = purge_command(ALPHA_PURGE.dirs, threshold_days(ALPHA_PURGE.days or 0, ALPHA_PURGE.margin_days))
    return Result(command, 0, f"{NOW:.0f}\nok\n{records}", "")


def workspace(
    alpha_snapshot: Snapshot | None = None,
    beta_snapshot: Snapshot | None = None,
    *,
    alpha_purge: Purge = Purge(),
    **config: Any,
) -> FakeWorkspace:
    alpha = cluster("alpha", "gpu", "mi250x", purge=alpha_purge)
    beta = cluster("beta", "accel", "a100", queue_s=30.0)
    cfg = Config(clusters=(alpha, beta), **config)
    audit = AuditLog(Path(tempfile.mkdtemp(prefix="hpctui-ui-test-")) / "audit.log")
    sessions = [
        FakeSession(
            alpha, alpha_snapshot or snapshot("alpha", alpha_jobs()), LinkStatus("alpha", LinkState.CONNECTED), audit
        ),
        FakeSession(
            beta,
            beta_snapshot or snapshot("beta", beta_jobs()),
            LinkStatus("beta", LinkState.BACKING_OFF, "next try in 7 s", retry_at=NOW + 7, reason="Connection refused"),
            audit,
        ),
    ]
    answer_allocation(sessions[0])
    return FakeWorkspace(cfg, sessions, audit)


def answer_allocation(session: FakeSession) -> None:
    """The overview's allocation query of ``session``, asked at NOW: sreport/sacctmgr output
    captured in the lab (100,000 core-h and 10,000 GPU-h granted, none used yet)."""
    from datetime import datetime

    from hpctui.services.allocation import period_of
    from hpctui.slurm.allocation import allocation_command

    now = datetime.fromtimestamp(NOW)
    command = allocation_command(None, session.cluster.queue_user, period_of(session.cluster, now.date()).start, now)
    text = (Path(__file__).parents[1] / "fixtures" / "slurm" / "allocation.txt").read_text()
    session.link.answers[command] = Result(command, 0, text, "")


def empty_workspace(**config: Any) -> FakeWorkspace:
    """A new user's account: no jobs, no history, no audit entries; alpha connected with nothing
    to show yet, beta never connected (its login failed)."""
    space = workspace(Snapshot("alpha"), Snapshot("beta"), **config)
    space.session("beta").link.status = LinkStatus(
        "beta", LinkState.FAILED, "authentication failed", reason="authentication failed"
    )
    return space


def without(snap: Snapshot, *job_ids: str) -> Snapshot:
    return dataclasses.replace(snap, jobs=tuple(j for j in snap.jobs if j.job_id not in job_ids))


SCONTROL_1001 = """JobId=1001 JobName=gpu2run
   UserId=hpcuser(1001) GroupId=hpcuser(1001) MCS_label=N/A
   Priority=4294901760 Nice=0 Account=lab QOS=normal
   JobState=RUNNING Reason=None Dependency=(null)
   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0
   RunTime=01:06:40 TimeLimit=1-00:00:00 TimeMin=N/A
   SubmitTime=2024-05-29T15:00:00 EligibleTime=2024-05-29T15:00:00
   StartTime=2024-05-29T15:10:00 EndTime=2024-05-30T15:10:00 Deadline=N/A
   Partition=gpu AllocNode:Sid=login1:4242
   NodeList=a1
   BatchHost=a1
   NumNodes=1 NumCPUs=2 NumTasks=1 CPUs/Task=2 ReqB:S:C:T=0:0:*:*
   TRES=cpu=2,mem=1G,node=1,billing=2,gres/gpu=2
   MinCPUsNode=2 MinMemoryNode=1G MinTmpDiskNode=0
   Command=/home/hpcuser/project/train.sbatch
   WorkDir=/home/hpcuser/project
   StdErr=/home/hpcuser/project/logs/gpu2run_1001.err
   StdIn=/dev/null
   StdOut=/home/hpcuser/project/logs/gpu2run_1001.out
   TresPerNode=gres:gpu:mi250x:2
"""


def details_1001() -> Any:
    from hpctui.services.jobinfo import JobDetails
    from hpctui.slurm.parse import parse_scontrol_job

    return JobDetails("alpha", "1001", parse_scontrol_job(SCONTROL_1001))
