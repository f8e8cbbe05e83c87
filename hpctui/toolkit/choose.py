"""`hpctui choose`, the pure part: rank the configured partitions for one job, with reasons.

Input: the config (GPU type and VRAM per GPU, cores and memory per node, good_for) and the
latest Snapshot per cluster (free GPUs or idle cores per partition, the user's pending jobs).
Output: every candidate partition, best first, each explained in one line. A cluster whose
poll failed without earlier data is ranked on config facts alone, after the ones seen live.

Order: partitions the job fits in first; then those that can start it now, then those where
it would wait, then those not seen live; then matching ``good_for`` notes; then fewer of
the user's own pending jobs there; then more free GPUs (or idle cores).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

from hpctui.config.model import Cluster, Config, GpuPartition
from hpctui.slurm.models import PartitionGpus, Snapshot

NOW, WAIT, UNKNOWN = 0, 1, 2

# good_for words that suit a request (matched case-insensitively in the free text)
LONG_RUN_H, SHORT_RUN_H, BIG_VRAM_GB = 12.0, 2.0, 16.0
LONG_WORDS = ("long", "reliable", "stable")
SHORT_WORDS = ("quick", "short", "iteration")
CPU_WORDS = ("cpu", "preprocess", "preparation", "i/o")
VRAM_WORDS = ("vram",)


@dataclass(frozen=True)
class Request:
    vram_gb: float | None = None  # per GPU
    gpus: int = 1
    hours: float | None = None
    cpu_only: bool = False

    def describe(self) -> str:
        parts = ["CPU only"] if self.cpu_only else [f"{self.gpus} GPU{'s' if self.gpus != 1 else ''}"]
        if self.vram_gb is not None and not self.cpu_only:
            parts.append(f"{self.vram_gb:g} GB VRAM each")
        if self.hours is not None:
            parts.append(f"{self.hours:g} h")
        return ", ".join(parts)


@dataclass(frozen=True)
class Choice:
    cluster: str
    partition: str
    fits: bool
    availability: int  # NOW, WAIT or UNKNOWN
    free: int | None  # free GPUs (idle cores for a CPU job); None when not seen live
    total: int | None
    pending: int | None  # the user's pending jobs in the partition
    good_for: tuple[str, ...]  # the cluster's good_for notes that match the request
    reason: str  # one line: "alpha/gpu: 12 of 16 mi250x free, 64 GB VRAM fits 40 GB; 0 pending"

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "availability": ("now", "wait", "unknown")[self.availability]}


@dataclass(frozen=True)
class _Live:
    free: int
    total: int
    label: str  # GPU types seen ("mi250x", "a100/v100") or "cores"
    pending: int


def rank(config: Config, snapshots: Mapping[str, Snapshot] | Iterable[Snapshot], request: Request) -> list[Choice]:
    """Every partition of every configured cluster that suits the kind of job, best first."""
    by_name = dict(snapshots) if isinstance(snapshots, Mapping) else {s.cluster: s for s in snapshots}
    choices: list[tuple[tuple, Choice]] = []
    for order, cluster in enumerate(config.clusters):
        snapshot = by_name.get(cluster.name)
        for index, partition in enumerate(_candidates(cluster, snapshot, request)):
            choice = _choice(cluster, partition, snapshot, request)
            key = (not choice.fits, choice.availability, -len(choice.good_for), choice.pending or 0,
                   -(choice.free or 0), order, index)  # fmt: skip
            choices.append((key, choice))
    return [choice for _, choice in sorted(choices, key=lambda pair: pair[0])]


def _candidates(cluster: Cluster, snapshot: Snapshot | None, request: Request) -> list[GpuPartition]:
    """Configured partitions of the right kind, plus ones the poll saw that the config omits."""
    wanted = [p for p in cluster.partitions if (p.gpu_type is None) == request.cpu_only]
    named = {p.name for p in cluster.partitions}
    for seen in snapshot.partitions if snapshot else ():
        if seen.name not in named and (seen.total == 0) == request.cpu_only:
            wanted.append(GpuPartition(seen.name))
    return wanted


def _choice(cluster: Cluster, partition: GpuPartition, snapshot: Snapshot | None, request: Request) -> Choice:
    live = _live(snapshot, partition.name, request.cpu_only)
    need = 1 if request.cpu_only else request.gpus
    problems = _misfits(partition, live, request)
    if live is None:
        availability = UNKNOWN
    else:
        availability = NOW if live.free >= need else WAIT
    matching = _matching(cluster.good_for, request)
    facts = [_availability_text(live, snapshot, partition, request)]
    facts += problems or _fit_text(partition, request)
    text = ", ".join(f for f in facts if f)
    if live is not None:
        text += f"; {live.pending} of your jobs pending"
    if matching:
        text += f"; good for: {matching[0]}"
    return Choice(
        cluster.name, partition.name, not problems, availability,
        live.free if live else None, live.total if live else None, live.pending if live else None,
        matching, f"{cluster.name}/{partition.name}: {text}",
    )  # fmt: skip


def _live(snapshot: Snapshot | None, name: str, cpu_only: bool) -> _Live | None:
    if snapshot is None or snapshot.nodes_at is None:
        return None
    pending = sum(1 for job in snapshot.jobs if job.state == "PENDING" and name in job.partition.split(","))
    if cpu_only:
        nodes = [n for n in snapshot.nodes if n.partition == name]
        if not nodes:
            return None
        return _Live(sum(n.cpus_idle for n in nodes), sum(n.cpus_total for n in nodes), "cores", pending)
    summary: PartitionGpus | None = next((p for p in snapshot.partitions if p.name == name), None)
    if summary is None:
        return None
    label = "/".join(sorted(t for t, n in summary.gpus_total.items() if t and n)) or "GPUs"
    return _Live(summary.free, summary.total, label, pending)


def _misfits(partition: GpuPartition, live: _Live | None, request: Request) -> list[str]:
    """Why the job cannot run there at all (empty when it fits, or might)."""
    if request.cpu_only:
        return []
    problems = []
    if request.vram_gb is not None and partition.vram_gb is not None and partition.vram_gb < request.vram_gb:
        problems.append(f"does not fit: {partition.vram_gb:g} GB VRAM < {request.vram_gb:g} GB needed")
    if live is not None and live.total < request.gpus:
        problems.append(f"does not fit: only {live.total} GPUs, {request.gpus} wanted")
    return problems


def _availability_text(live: _Live | None, snapshot: Snapshot | None, partition: GpuPartition, request: Request) -> str:
    if live is not None:
        idle = "idle" if request.cpu_only else "free"
        stale = " (last poll failed: may be stale)" if snapshot is not None and snapshot.error else ""
        return f"{live.free} of {live.total} {live.label} {idle}{stale}"
    if snapshot is not None and snapshot.error:
        why = f"not reachable ({snapshot.error})"
    else:
        why = "not seen live"
    kind = "CPU" if request.cpu_only else (partition.gpu_type or "GPU type unknown")
    return f"{why}, ranked on config facts: {kind}"


def _fit_text(partition: GpuPartition, request: Request) -> list[str]:
    if request.cpu_only:
        cores = f"{partition.cores_per_node} cores" if partition.cores_per_node else ""
        mem = f"{partition.mem_gb_per_node:g} GB" if partition.mem_gb_per_node else ""
        per_node = " and ".join(p for p in (cores, mem) if p)
        return [f"{per_node} per node"] if per_node else []
    if partition.vram_gb is None:
        return ["VRAM unknown"] if request.vram_gb is not None else []
    if request.vram_gb is None:
        return [f"{partition.vram_gb:g} GB VRAM per GPU"]
    return [f"{partition.vram_gb:g} GB VRAM fits {request.vram_gb:g} GB"]


def _matching(good_for: tuple[str, ...], request: Request) -> tuple[str, ...]:
    words: list[str] = []
    if request.cpu_only:
        words += CPU_WORDS
    elif request.vram_gb is not None and request.vram_gb > BIG_VRAM_GB:
        words += VRAM_WORDS
    if request.hours is not None and request.hours >= LONG_RUN_H:
        words += LONG_WORDS
    elif request.hours is not None and request.hours <= SHORT_RUN_H:
        words += SHORT_WORDS
    return tuple(note for note in good_for if any(word in note.lower() for word in words))
