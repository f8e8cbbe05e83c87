"""sinfo rows (the ``SINFO_FIELDS`` format) to ``Node`` models, and per-partition GPU sums."""

from __future__ import annotations

from hpctui.slurm.errors import SlurmParseError
from hpctui.slurm.formats import SINFO_FIELDS
from hpctui.slurm.models import Gres, Node, PartitionGpus
from hpctui.slurm.parse.fields import is_number, parse_int, parse_rows, rows
from hpctui.slurm.parse.gres import parse_gres
from hpctui.slurm.parse.values import parse_node_state

STATE_GROUPS = ("idle", "mixed", "allocated", "drained", "down", "other")
# Nodes whose idle GPUs a new job cannot get: drained, down, and other (reserved, maint,
# future, planned, unknown, ...).
UNUSABLE = frozenset({"drained", "down", "other"})
_GROUP_OF = {
    "idle": "idle", "mixed": "mixed", "allocated": "allocated", "completing": "allocated",
    "drained": "drained", "draining": "drained", "down": "down", "fail": "down",
    "failing": "down", "inval": "down",
}  # fmt: skip
_RESERVED_FLAGS = frozenset({"maintenance", "reserved"})


def state_group(state: str) -> str:
    """Which of STATE_GROUPS a node state (``idle``, ``mix-``, ``drng``, ``idle*``,
    ``IDLE+DRAIN``) is in. Not responding (``*``) makes any node ``down``: it gets no new
    work; a DRAIN flag makes it ``drained``; an idle node in a (maintenance) reservation is
    ``other``: a job outside the reservation cannot use it."""
    try:
        parsed = parse_node_state(state)
    except SlurmParseError:
        return "other"
    if "not_responding" in parsed.flags:
        return "down"
    if "drain" in parsed.flags and parsed.base not in ("down", "fail", "failing", "inval"):
        return "drained"
    if parsed.base == "idle" and parsed.flags & _RESERVED_FLAGS:
        return "other"
    return _GROUP_OF.get(parsed.base, "other")


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


def parse_sinfo(text: str, warnings: list[str] | None = None) -> list[Node]:
    """Nodes of ``sinfo --Node --Format`` output built by ``sinfo_command`` (no header).

    A row that cannot be read is skipped and described in ``warnings`` (see parse_squeue).
    """
    return parse_rows(rows(text, len(SINFO_FIELDS), trailing=True, warnings=warnings), _node, warnings)


SHARING_KINDS = frozenset({"shard", "mps"})  # GRES that give jobs a slice of a GPU


def _gpus_touched(share: Gres, whole: set[int]) -> int:
    """GPUs on which ``share`` (a shard or MPS entry of GresUsed) holds something."""
    if share.shares is not None:  # "(-/5,5/5,3/5,0/5)": exactly
        return sum(1 for used, _total in share.shares if used)
    if share.indexes is not None:  # "(IDX:1-2)": the devices, some maybe allocated whole
        return len(set(share.indexes) - whole)
    return share.count  # nothing said: each share in use may sit on a GPU of its own


def _shared_gpus(node: Node, used_by_type: dict[str, int]) -> dict[str, int]:
    """GPUs of ``node`` (by type) that hold shards or MPS shares but are not allocated whole."""
    whole = {i for g in node.gres_used if g.kind == "gpu" and g.indexes for i in g.indexes}
    types = {g.type or "" for g in node.gres if g.kind == "gpu"}
    shared: dict[str, int] = {}
    for g in node.gres_used:
        if g.kind in SHARING_KINDS and g.count:
            key = g.type if g.type in types else next(iter(types)) if len(types) == 1 else ""
            shared[key] = shared.get(key, 0) + _gpus_touched(g, whole)
    totals = {key: sum(g.count for g in node.gres if g.kind == "gpu" and (g.type or "") == key) for key in shared}
    return {key: min(count, max(totals[key] - used_by_type.get(key, 0), 0)) for key, count in shared.items()}


def summarise_partitions(nodes: list[Node] | tuple[Node, ...]) -> tuple[PartitionGpus, ...]:
    """GPUs by type (total, allocated, unusable, shared) and nodes by state group, per
    partition, in the order partitions first appear."""
    sums: dict[str, tuple[dict[str, int], ...]] = {}
    for node in nodes:
        entry = sums.get(node.partition)
        if entry is None:
            entry = sums[node.partition] = ({}, {}, {}, dict.fromkeys(STATE_GROUPS, 0), {})
        total, alloc, unusable, states, shared = entry
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
        if group not in UNUSABLE and any(g.kind in SHARING_KINDS for g in node.gres_used):
            for key, count in _shared_gpus(node, used_by_type).items():
                shared[key] = shared.get(key, 0) + count
                unusable[key] = unusable.get(key, 0) + count
    return tuple(
        PartitionGpus(
            name,
            total,
            {k: v for k, v in alloc.items() if v or k in total},
            states,
            unusable,
            {k: v for k, v in shared.items() if v},
        )  # fmt: skip
        for name, (total, alloc, unusable, states, shared) in sums.items()
    )
