"""What a cluster offers, for ``hpctui init``: its partitions with their GPUs, cores and memory
per node, and the user's accounts. Pure: command builders and parsers; the nodes come from
``sinfo_command`` / ``parse_sinfo``.

``scontrol --oneliner show partition`` gives the partitions in slurm.conf order with their
flags (default, state, time limit); sinfo gives the nodes in each. Cores and memory per node
are the smallest node's (a job that fits it fits every node), with a flag when nodes differ.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hpctui.slurm.commands import env_prefix
from hpctui.slurm.errors import check_errors
from hpctui.slurm.models import Node
from hpctui.slurm.parse.misc import parse_scontrol_oneliners

UNTYPED_GPU = "gpu"  # the gpu_type written for GPUs Slurm gives no type (``gpu:4``)


def partitions_command() -> str:
    return f"{env_prefix()} scontrol --oneliner show partition"


def cluster_name_command() -> str:
    """Slurm's ClusterName: accounting keeps the associations of every cluster it serves."""
    return f"{env_prefix()} scontrol show config"


def accounts_command() -> str:
    """The login user's associations (cluster|account per line). ``$USER`` is expanded by the
    remote shell: the login name is whatever the ssh config made it."""
    return f'{env_prefix()} sacctmgr --noheader --parsable2 show associations user="$USER" format=cluster,account'


@dataclass(frozen=True)
class PartitionInfo:
    """One partition as ``scontrol show partition`` describes it."""

    name: str
    default: bool = False
    state: str = "UP"
    max_time: str | None = None  # "2-00:00:00"; None when UNLIMITED


def parse_partitions(text: str) -> list[PartitionInfo]:
    check_errors(text)
    return [
        PartitionInfo(
            name=record["PartitionName"],
            default=record.get("Default") == "YES",
            state=record.get("State", "UP"),
            max_time=None if record.get("MaxTime", "UNLIMITED") == "UNLIMITED" else record["MaxTime"],
        )
        for record in parse_scontrol_oneliners(text)
        if "PartitionName" in record
    ]


def config_cluster_name(text: str) -> str | None:
    """ClusterName of ``scontrol show config`` (``ClusterName             = alpha``), None when
    the text has none."""
    for line in text.split("\n"):
        key, equals, value = line.partition("=")
        if equals and key.strip() == "ClusterName":
            return value.strip() or None
    return None


def parse_cluster_name(text: str) -> str | None:
    """``config_cluster_name``, or SlurmError when scontrol said it failed instead."""
    name = config_cluster_name(text)
    if name is None:
        check_errors(text)
    return name


def parse_accounts(text: str, cluster: str | None) -> tuple[str, ...]:
    """The accounts of ``accounts_command`` output on ``cluster`` (all when None), each once."""
    check_errors(text)
    found: dict[str, None] = {}
    for line in text.split("\n"):
        where, bar, account = line.strip().partition("|")
        if bar and account and (cluster is None or where == cluster):
            found[account] = None
    return tuple(found)


@dataclass(frozen=True)
class GpuCount:
    """The GPUs of one type in a partition."""

    type: str
    per_node: int  # on the node with the most
    total: int
    even: bool = True  # every node of the partition has ``per_node`` of them


@dataclass(frozen=True)
class PartitionFacts:
    """A partition's hardware, as a config entry needs it."""

    name: str
    nodes: int
    gpus: tuple[GpuCount, ...] = ()  # by type, most GPUs first
    cores_per_node: int | None = None  # the smallest node's
    mem_gb_per_node: float | None = None  # the smallest node's
    cores_differ: bool = False
    memory_differs: bool = False
    info: PartitionInfo | None = None

    @property
    def gpu_type(self) -> str | None:
        """The type most of the partition's GPUs are (the one the config entry names)."""
        return self.gpus[0].type if self.gpus else None


def describe_partitions(nodes: Iterable[Node], partitions: Iterable[PartitionInfo] = ()) -> tuple[PartitionFacts, ...]:
    """One entry per partition, in scontrol's order, then any only sinfo named."""
    partitions = list(partitions)
    by_partition: dict[str, list[Node]] = {p.name: [] for p in partitions}
    info = {p.name: p for p in partitions}
    for node in nodes:
        by_partition.setdefault(node.partition, []).append(node)
    return tuple(_facts(name, members, info.get(name)) for name, members in by_partition.items())


def _facts(name: str, nodes: list[Node], info: PartitionInfo | None) -> PartitionFacts:
    per_node = [_gpus(node) for node in nodes]
    kinds = {kind for counts in per_node for kind in counts}
    gpus = [
        GpuCount(
            type=kind,
            per_node=max(counts.get(kind, 0) for counts in per_node),
            total=sum(counts.get(kind, 0) for counts in per_node),
            even=len({counts.get(kind, 0) for counts in per_node}) == 1,
        )
        for kind in kinds
    ]
    cores = {node.cpus_total for node in nodes}
    memory = {node.memory_mb for node in nodes if node.memory_mb}
    return PartitionFacts(
        name=name,
        nodes=len(nodes),
        gpus=tuple(sorted(gpus, key=lambda gpu: (-gpu.total, gpu.type))),
        cores_per_node=min(cores) if cores else None,
        mem_gb_per_node=_gb(min(memory)) if memory else None,
        cores_differ=len(cores) > 1,
        memory_differs=len(memory) > 1,
        info=info,
    )


def _gpus(node: Node) -> dict[str, int]:
    counts: dict[str, int] = {}
    for gres in node.gres:
        if gres.kind == "gpu" and gres.count:
            kind = gres.type or UNTYPED_GPU
            counts[kind] = counts.get(kind, 0) + gres.count
    return counts


def _gb(megabytes: int) -> float:
    """Slurm's node memory (MB, as RealMemory) in GB: whole GB from 10 GB up."""
    gigabytes = megabytes / 1024
    return float(int(gigabytes)) if gigabytes >= 10 else round(gigabytes, 1)
