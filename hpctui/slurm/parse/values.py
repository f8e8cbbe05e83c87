"""Single Slurm values with some structure: node states, job and step ids, job states,
requested memory, TRES strings and pending reasons. Meanings follow Slurm's man pages
(sinfo NODE STATE CODES, squeue JOB REASON CODES, sacct ReqMem/State/JobID)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from hpctui.slurm.errors import SlurmParseError
from hpctui.slurm.parse.fields import parse_size

# sinfo's one-character state flags (sinfo(1), NODE STATE CODES).
NODE_FLAG_SUFFIXES = {
    "*": "not_responding", "~": "powered_off", "#": "powering_up", "!": "power_down_pending",
    "%": "powering_down", "$": "maintenance", "@": "reboot_requested", "^": "reboot_issued",
    "-": "planned",
}  # fmt: skip
# Compact (%t) and long (%T, scontrol) spellings of base states, to one long lower-case name.
_NODE_BASES = {
    "alloc": "allocated", "allocated": "allocated", "mix": "mixed", "mixed": "mixed",
    "comp": "completing", "completing": "completing", "drng": "draining", "draining": "draining",
    "drain": "drained", "drained": "drained", "failg": "failing", "failing": "failing",
    "futr": "future", "future": "future", "resv": "reserved", "reserved": "reserved",
    "plnd": "planned", "planned": "planned", "unk": "unknown", "unknown": "unknown",
    "maint": "maint", "block": "blocked", "blocked": "blocked", "npc": "perfctrs",
}  # fmt: skip


@dataclass(frozen=True)
class NodeState:
    """``mix-`` is NodeState("mixed", {"planned"}); ``IDLE+DRAIN`` is NodeState("idle", {"drain"})."""

    base: str
    flags: frozenset[str] = frozenset()


@lru_cache(maxsize=256)
def parse_node_state(text: str) -> NodeState:
    """A node state as sinfo (``%t``: ``drain*``, ``%T``: ``drained*``) or scontrol
    (``IDLE+DRAIN``, ``DOWN*+DRAIN``) print it."""
    words = text.strip().lower().split("+")
    flags: set[str] = set()
    if len(words) > 1 and words[-1] == "":  # "allocated+": allocated, some jobs completing
        words.pop()
        flags.add("completing")
    bases = []
    for word in words:
        name = word.rstrip("".join(NODE_FLAG_SUFFIXES))
        flags.update(NODE_FLAG_SUFFIXES[char] for char in word[len(name) :])
        bases.append(name)
    if not bases[0] or not all(bases):
        raise SlurmParseError(f"not a node state: {text!r}")
    flags.update(bases[1:])
    return NodeState(_NODE_BASES.get(bases[0], bases[0]), frozenset(flags))


_JOB_ID = re.compile(
    r"(?P<job>\d+)"
    r"(?:_(?P<task>\d+|\[[\d,\-:%]+\]))?"
    r"(?:\+(?P<het>\d+))?"
    r"(?:\.(?P<step>batch|extern|interactive|\d+)(?:\+(?P<het_step>\d+))?)?"
)


@dataclass(frozen=True)
class JobId:
    """``123_[1-5%2]``: job "123", task "[1-5%2]"; ``7+1.batch``: het component 1, step "batch"."""

    job: str
    array_task: str | None = None
    het_offset: int | None = None
    step: str | None = None


def parse_job_id(text: str) -> JobId:
    """A job, array task, het job component or step id as squeue and sacct print them."""
    match = _JOB_ID.fullmatch(text.strip())
    if not match:
        raise SlurmParseError(f"not a job id: {text!r}")
    het = match.group("het")
    return JobId(match.group("job"), match.group("task"), int(het) if het else None, match.group("step"))


@dataclass(frozen=True)
class JobState:
    """``CANCELLED by 1000``: state "CANCELLED", by uid 1000."""

    state: str
    by_uid: int | None = None


def parse_job_state(text: str) -> JobState:
    """A job state as squeue and sacct print it (sacct adds "by UID" to CANCELLED)."""
    state, _, rest = text.strip().partition(" by ")
    if not state.replace("_", "").isalpha() or (rest and not rest.isdigit()):
        raise SlurmParseError(f"not a job state: {text!r}")
    return JobState(state, int(rest) if rest else None)


def parse_req_mem(text: str) -> tuple[int | None, str | None]:
    """Bytes of sacct's ReqMem and what they are per: ``4000Mc`` per CPU and ``16Gn`` per
    node (releases before 21.08 append c/n); a plain size (``48000M``) says nothing."""
    per = {"c": "cpu", "n": "node"}.get(text[-1:])
    return parse_size(text[:-1] if per else text), per


def parse_tres(text: str) -> dict[str, int]:
    """A TRES string (``cpu=4,mem=16G,node=1,gres/gpu:a100=1``) as amounts; sizes in bytes."""
    amounts: dict[str, int] = {}
    if text in ("", "N/A", "(null)"):
        return amounts
    for item in text.split(","):
        key, equals, value = item.partition("=")
        size = parse_size(value) if equals and key else None
        if size is None:
            raise SlurmParseError(f"bad TRES entry {item!r} in {text!r}")
        amounts[key] = size
    return amounts


# squeue(1) JOB REASON CODES (and src/common/job_state_reason.c), grouped by what they mean
# for the user; the many limit reasons (Assoc*, QOS*, Max*, Partition*Limit) are found by name.
_REASON_KINDS = {
    "None": "none", "Priority": "priority", "Resources": "resources", "NodeDown": "resources",
    "Licenses": "resources", "Reservation": "resources", "BeginTime": "begin_time",
    "Dependency": "dependency", "DependencyNeverSatisfied": "dependency",
    "JobHeldAdmin": "held", "JobHeldUser": "held", "BadConstraints": "invalid",
    "InvalidAccount": "invalid", "InvalidQOS": "invalid", "AccountNotAllowed": "invalid",
    "QOSNotAllowed": "invalid", "PartitionConfig": "invalid", "PartitionDown": "invalid",
    "PartitionInactive": "invalid", "ReservationDeleted": "invalid", "ReservationInvalid": "invalid",
    "NonZeroExitCode": "ended", "TimeLimit": "ended", "JobLaunchFailure": "ended",
    "SystemFailure": "ended", "OutOfMemory": "ended", "RaisedSignal": "ended", "DeadLine": "ended",
}  # fmt: skip
_LIMIT_PREFIXES = ("Assoc", "QOS", "Max", "Partition", "JobArrayTaskLimit")


def reason_kind(reason: str) -> str:
    """What a job's Reason says: none, priority, resources, begin_time, dependency, held,
    limit (an association, QOS, partition or array limit), invalid, ended or other."""
    code = reason.partition(",")[0].strip()
    if code in _REASON_KINDS:
        return _REASON_KINDS[code]
    if code.startswith(("ReqNodeNotAvail", "Nodes_required", "BurstBuffer")):
        return "resources"
    if code.startswith(_LIMIT_PREFIXES) or code.endswith("Limit"):
        return "limit"
    return "other"
