"""Why a job waits, in plain words, and what to do about it (squeue(1) JOB REASON CODES and
Slurm's job_reason_codes page). Pure: a table and the patterns of the limit families.

The many limit reasons are built from parts: ``Assoc``/``QOS`` + ``Grp`` (a total of the
group: account, QOS) or ``Max`` (per job, user, account or node) + a resource (``CPU``,
``GRES``, ``Mem``, ``Node``, ``Billing``, ``Jobs``, ``Submit``, ``Wall``, ``Energy``, ``License``,
``BB``) + ``Minutes``/``RunMinutes`` + ``PerUser``/``PerJob``/... + ``Limit``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    words: str  # what it means
    action: str  # what the user can do ("" when nothing but waiting)
    kind: str  # wait, limit, hold, fix, failed, other


_WAIT = "Nothing to do but wait"
_TABLE: dict[str, tuple[str, str, str]] = {
    "None": ("not yet looked at by the scheduler (a new job shows this for a few seconds)", "", "wait"),
    "Priority": ("jobs of higher priority are ahead of it in this partition", f"{_WAIT}; a shorter --time may let backfill start it sooner", "wait"),
    "Resources": ("it is next, waiting for nodes, CPUs, memory or GPUs to free up", f"{_WAIT}; asking for less (GPUs, memory, --time) can start it sooner", "wait"),
    "Dependency": ("waiting for the jobs it depends on (--dependency) to finish", _WAIT, "wait"),
    "DependencyNeverSatisfied": ("a job it depends on ended in a way that never satisfies the dependency", "It will never start: scancel it, fix the dependency and resubmit", "fix"),
    "BeginTime": ("its start time (--begin, or the 2 minutes after a requeue) has not come yet", "scontrol update jobid={job} StartTime=now to start it earlier", "wait"),
    "JobHeldUser": ("held by you (or sbatch -H)", "U releases it (scontrol release {job})", "hold"),
    "JobHeldAdmin": ("held by an administrator", "Only an administrator can release it: ask support why", "hold"),
    "launch failed requeued held": ("its launch failed on the node; Slurm requeued and held it", "Check the node or the job's output, then scontrol release {job}", "hold"),
    "ReqNodeNotAvail": ("a node it needs is down, drained or reserved (often maintenance)", "Wait for the nodes, or drop --nodelist/--exclude or shorten --time to fit before a reservation", "wait"),
    "PartitionTimeLimit": ("its --time is longer than the partition allows", "It will never start here: scontrol update jobid={job} TimeLimit=... or resubmit with a shorter --time", "fix"),
    "PartitionNodeLimit": ("it asks for more nodes than the partition allows", "Resubmit with fewer nodes or in another partition", "fix"),
    "PartitionDown": ("the partition is down", "Wait for the administrators, or resubmit to another partition", "wait"),
    "PartitionInactive": ("the partition is inactive", "Resubmit to another partition", "fix"),
    "PartitionConfig": ("the request does not fit the partition's configuration", "Resubmit with a request the partition can hold", "fix"),
    "Reservation": ("waiting for its advanced reservation to become usable", _WAIT, "wait"),
    "NodeDown": ("a node it needs is down", "Wait, or resubmit without that node", "wait"),
    "BadConstraints": ("its constraints (--constraint, --gres, sizes) can never be met", "It will never start: resubmit with a request a node can hold", "fix"),
    "InvalidAccount": ("its account is invalid", "Resubmit with a valid --account (sacctmgr show assoc user=$USER)", "fix"),
    "InvalidQOS": ("its QOS is invalid", "Resubmit with a valid --qos", "fix"),
    "QOSNotAllowed": ("its QOS is not allowed here", "Resubmit with a QOS your association may use", "fix"),
    "AccountNotAllowed": ("its account may not use this partition", "Resubmit to a partition your account may use", "fix"),
    "Licenses": ("waiting for a license", _WAIT, "wait"),
    "Cleaning": ("it is being requeued and still cleaning up", _WAIT, "wait"),
    "Prolog": ("its prolog is running", _WAIT, "wait"),
    "FrontEndDown": ("no front end node is available", _WAIT, "wait"),
    "JobArrayTaskLimit": ("the array's %N limit of tasks running at once is reached", "scontrol update jobid={job} ArrayTaskThrottle=N raises it", "limit"),
    "AssocGrpBillingMinutes": ("your account has used up its billing minutes (its allocation)", "It will not start until the allocation is renewed or raised: ask your project lead", "limit"),
    "AssocGrpCPUMinutesLimit": ("your account has used up its CPU minutes (its allocation)", "It will not start until the allocation is renewed or raised: ask your project lead", "limit"),
    "AssocGrpGRES": ("your account's GPUs (GRES) in use reached its limit", "Starts when the account's running GPU jobs finish", "limit"),
    "QOSMaxGRESPerUser": ("you already use the most GPUs (GRES) this QOS allows one user", "Starts when your running GPU jobs finish; fewer GPUs per job can start sooner", "limit"),
    "QOSMaxJobsPerUserLimit": ("you already run the most jobs this QOS allows one user", "Starts when one of your running jobs ends; consider a job array or fewer, longer jobs", "limit"),
    "QOSMaxWallDurationPerJobLimit": ("its --time is longer than the QOS allows", "It will never start: resubmit with a shorter --time", "fix"),
    "AssocMaxWallDurationPerJobLimit": ("its --time is longer than your association allows", "It will never start: resubmit with a shorter --time", "fix"),
    "MaxSubmitJobLimit": ("you reached the limit of jobs you may have queued", "Wait for some to end, or use job arrays", "limit"),
}  # fmt: skip

_RESOURCES = {
    "CPU": "CPUs", "Cpu": "CPUs", "GRES": "GPUs (GRES)", "Mem": "memory", "Memory": "memory", "Node": "nodes",
    "Billing": "billing units", "Energy": "energy", "BB": "burst buffer", "License": "licenses",
    "Jobs": "running jobs", "Submit": "queued jobs", "Wall": "wall time", "Unk": "resources",
}  # fmt: skip
_LIMIT = re.compile(
    r"(?P<who>Assoc|QOS)(?P<scope>Grp|Max|Min)"
    r"(?P<res>CPU|Cpu|GRES|Mem|Memory|Node|Billing|Energy|BB|License|Jobs|Submit|Wall|Unk)"
    r"(?P<minutes>RunMinutes|Minutes|Min)?(?P<per>PerUser|PerJob|PerAccount|PerNode|Per)?(?:Limit|NotSatisfied)?"
)
_WHO = {"Assoc": "your association (account and user)", "QOS": "the QOS"}
_PER = {"PerUser": " per user", "PerJob": " per job", "PerAccount": " per account", "PerNode": " per node"}


def explain(reason: str, job_id: str = "JOBID") -> Reason:
    """Plain words and advice for squeue's Reason (``ReqNodeNotAvail, UnavailableNodes:a1`` too);
    commands in the advice name ``job_id``."""
    found = _explain(reason.strip())
    return Reason(found.code, found.words, found.action.replace("{job}", job_id), found.kind)


def _explain(code: str) -> Reason:
    if code in _TABLE:
        return Reason(code, *_TABLE[code])
    head = code.partition(",")[0].strip()
    if head in _TABLE:
        words, action, kind = _TABLE[head]
        return Reason(code, f"{words} ({code[len(head) :].strip(' ,')})" if head != code else words, action, kind)
    found = _LIMIT.fullmatch(head)
    if found:
        return _limit(head, found)
    if head.endswith("Limit") or head.startswith(("Assoc", "QOS", "Max")):
        return Reason(
            head,
            "a limit of your account or QOS is reached",
            "Starts when your other jobs free the limit; sacctmgr show assoc / qos tell which",
            "limit",
        )
    return Reason(head, f"Slurm says {head!r}", "See the JOB REASON CODES of man squeue", "other")  # fmt: skip


def _limit(code: str, found: re.Match[str]) -> Reason:
    resource = _RESOURCES[found["res"]]
    minutes = found["minutes"]
    per = _PER.get(found["per"] or "", "")
    who = _WHO[found["who"]]
    if minutes and found["scope"] == "Grp" and minutes != "RunMinutes":
        words = f"{who} has used up its {resource} minutes (its allocation)"
        return Reason(
            code, words, "It will not start until the allocation is renewed or raised: ask your project lead", "limit"
        )
    if minutes == "RunMinutes":
        words = f"the {resource} x time of the running jobs of {who} reached its limit"
        return Reason(code, words, "Starts as running jobs progress; a shorter --time starts it sooner", "limit")
    if found["scope"] == "Min":
        return Reason(
            code,
            f"it asks for fewer {resource}{per} than {who} requires",
            "It will never start: resubmit asking for more",
            "fix",
        )
    if found["scope"] == "Grp":
        return Reason(
            code,
            f"the {resource} in use by {who} reached its group limit",
            "Starts when the group's running jobs finish",
            "limit",
        )
    if found["per"] == "PerJob" or found["res"] == "Wall":
        words = f"it asks for more {resource}{per} than {who} allows"
        return Reason(code, words, "It will never start: resubmit asking for less", "fix")
    return Reason(
        code, f"{who} caps {resource}{per}, and that cap is reached", "Starts when your running jobs free some", "limit"
    )
