"""sinfo rows (the ``SINFO_FIELDS`` format) to ``Node`` models, and per-partition GPU sums."""

from __future__ import annotations

from hpctui.slurm.errors import SlurmParseError
from hpctui.slurm.formats import SINFO_FIELDS
from hpctui.slurm.models import Node, PartitionGpus
from hpctui.slurm.parse.fields import is_number, parse_int, rows
from hpctui.slurm.parse.gres import parse_gres

STATE_GROUPS = ("idle", "mixed", "allocated", "drained", "down", "other")
UNUSABLE = frozenset({"drained", "down"})
_FLAGS = "*~#!%$@^-+"  # not responding, powered off, powering up, ... (sinfo NODE STATE CODES)
_GROUP_OF = {
    "idle": "idle", "mix": "mixed", "mixed": "mixed",
    "alloc": "allocated", "allocated": "allocated", "comp": "allocated", "completing": "allocated",
    "drain": "drained", "drained": "drained", "drng": "drained", "draining": "drained",
    "down": "down", "fail": "down", "failg": "down", "failing": "down", "inval": "down",
}  # fmt: skip


def state_group(state: str) -> str:
    """Which of STATE_GROUPS a short node state (``idle``, ``mix-``, ``drng``, ``idle*``) is in.

    A trailing ``*`` (node not responding) makes any node ``down``: it gets no new work.
    """
    base = state.rstrip(_FLAGS).lower()
    if "*" in state[len(base) :]:
        return "down"
    return _GROUP_OF.get(base, "other")


def _node(fields: list[str]) -> Node:
    name, hostname, partition, state, gres, gres_used, cpus, memory, _ = fields
    counts = cpus.split("/")
    if len(counts) != 4:
        raise SlurmParseError(f"CPUsState of {name!r} is not A/I/O/T: {cpus!r}")
    alloc, idle, other, total = (parse_int(c, "CPUsState") for c in counts)
    return Node(
        name=name,
        hostname=hostname,
        partition=partition,
        state=state,
        gres=parse_gres(gres),
        gres_used=parse_gres(gres_used),
        cpus_alloc=alloc,
        cpus_idle=idle,
        cpus_other=other,
        cpus_total=total,
        memory_mb=int(memory) if is_number(memory) else None,
    )


def parse_sinfo(text: str) -> list[Node]:
    """Nodes of ``sinfo --Node --Format`` output built by ``sinfo_command`` (no header)."""
    return [_node(fields) for fields in rows(text, len(SINFO_FIELDS), trailing=True)]


def summarise_partitions(nodes: list[Node] | tuple[Node, ...]) -> tuple[PartitionGpus, ...]:
    """GPUs by type (total, allocated, unusable) and nodes by state group, per partition,
    in the order partitions first appear."""
    sums: dict[str, tuple[dict[str, int], dict[str, int], dict[str, int], dict[str, int]]] = {}
    for node in nodes:
        entry = sums.get(node.partition)
        if entry is None:
            entry = sums[node.partition] = ({}, {}, {}, dict.fromkeys(STATE_GROUPS, 0))
        total, alloc, unusable, states = entry
        group = state_group(node.state)
        states[group] += 1
        used_by_type: dict[str, int] = {}
        for g in node.gres_used:
            if g.kind == "gpu":
                key = g.type or ""
                used_by_type[key] = used_by_type.get(key, 0) + g.count
                alloc[key] = alloc.get(key, 0) + g.count
        for g in node.gres:
            if g.kind == "gpu":
                key = g.type or ""
                total[key] = total.get(key, 0) + g.count
                alloc.setdefault(key, 0)
                if group in UNUSABLE:
                    spare = max(g.count - used_by_type.get(key, 0), 0)
                    unusable[key] = unusable.get(key, 0) + spare
    return tuple(
        PartitionGpus(name, total, {k: v for k, v in alloc.items() if v or k in total}, states, unusable)
        for name, (total, alloc, unusable, states) in sums.items()
    )
