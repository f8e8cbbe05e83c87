"""The config file ``hpctui init`` writes: YAML with a comment on every field.

Pure: a ``ClusterDraft`` (what the ssh config and Slurm said about one cluster) in, text out.
Every value goes through the YAML dumper, so a partition named ``yes`` stays a string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import yaml

from hpctui.slurm.commands import PARTITION_NAME
from hpctui.slurm.gpus import vram_of
from hpctui.slurm.inventory import UNTYPED_GPU, GpuCount, PartitionFacts
from hpctui.visible import visible

COMMENT_COLUMN = 37
_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_-]+")

HEADER = """\
# hpctui configuration, written by `hpctui init` from {ssh_config}.
#
# `hpctui config check` validates it and prints every value with the defaults filled in;
# `hpctui config example` prints an example of every setting with what it does. Mistakes are
# reported as FILE:LINE:COLUMN: what is wrong.

# UI colours: hpctui-dark, hpctui-light or hpctui-contrast (`hpctui --theme` overrides it).
theme: hpctui-dark

# How often to poll each cluster, in seconds.
refresh:
  queue_s: 15                        # squeue: your jobs
  gpus_s: 60                         # sinfo: free GPUs per partition

# One entry per cluster: one tab in the UI, one SSH connection.
clusters:
"""


@dataclass(frozen=True)
class ClusterDraft:
    """What ``hpctui init`` learnt about one cluster."""

    name: str  # the config's cluster name (from the ssh alias)
    alias: str  # the Host of the ssh config
    reached_as: str  # "user@host:port via jump", for the comment
    ssh_config: str | None = None  # written when it is not the default ~/.ssh/config
    slurm_name: str | None = None  # Slurm's ClusterName
    partitions: tuple[PartitionFacts, ...] = ()
    accounts: tuple[str, ...] = ()
    problem: str | None = None  # why nothing was discovered
    notes: tuple[str, ...] = ()  # what else could not be learnt


def cluster_name(alias: str, taken: Iterable[str] = ()) -> str:
    """A valid, unused cluster name from an ssh alias (``lumi.csc.fi`` -> ``lumi-csc-fi``)."""
    base = _NOT_IN_NAME.sub("-", alias).strip("-") or "cluster"
    used = set(taken)
    name, number = base, 1
    while name in used:
        number += 1
        name = f"{base}-{number}"
    return name


def render_draft(clusters: Iterable[ClusterDraft], ssh_config: str) -> str:
    blocks = [HEADER.format(ssh_config=ssh_config)]
    blocks += ["\n".join(_cluster_lines(cluster)) + "\n" for cluster in clusters]
    return "\n".join(blocks)


def _line(code: str, comment: str = "") -> str:
    """``code`` with ``comment`` at COMMENT_COLUMN; the comment is made one line (it may quote remote text)."""
    comment = visible(" ".join(comment.split()))
    if not comment:
        return code
    return f"{code.ljust(COMMENT_COLUMN - 1)} # {comment}" if code.strip() else f"{code}# {comment}"


def _scalar(value: str | float) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(yaml.safe_dump(value, default_flow_style=True, width=1000)).removesuffix("\n...\n").strip()


def _cluster_lines(draft: ClusterDraft) -> list[str]:
    about = f"Slurm cluster {draft.slurm_name!r}" if draft.slurm_name else "Cluster"
    lines = [
        _line("  ", "-" * 60 + f" {draft.name}"),
        _line("  ", f"{about}, reached as {draft.reached_as}."),
        _line("  - name: " + _scalar(draft.name), "tab title and CLI name: letters, digits, _ and -"),
        "    ssh:",
        _line("      alias: " + _scalar(draft.alias), "Host of your ssh config: HostName, User, Port, ProxyJump"),
    ]
    if draft.ssh_config:
        lines.append(
            _line("      ssh_config: " + _scalar(draft.ssh_config), "the ssh config read (default ~/.ssh/config)")
        )
    lines += _partition_lines(draft)
    lines += _rules_lines(draft.partitions)
    lines += [
        _line("    # project_dir: /path/on/cluster", "remote working copy (`hpctui sync`, logs)"),
        _line("    # log_dir: logs", "job logs, relative to project_dir unless absolute"),
    ]
    lines += _account_lines(draft.accounts)
    lines += [_line("    ", f"not learnt: {note}") for note in draft.notes]
    return lines


def _partition_lines(draft: ClusterDraft) -> list[str]:
    if draft.problem is not None:
        return [
            _line("    ", f"`hpctui init` found no partitions: {draft.problem}."),
            _line("    ", "Run it again once the cluster answers, or list them by hand:"),
            _line("    # partitions:"),
            _line("    #   - {name: gpu, gpu_type: a100, vram_gb: 40, cores_per_node: 64, mem_gb_per_node: 512}"),
        ]
    usable = [facts for facts in draft.partitions if PARTITION_NAME.fullmatch(facts.name)]
    lines = [
        _line("    ", f"left out partition {visible(facts.name)!r}: not a name hpctui passes to Slurm")
        for facts in draft.partitions
        if facts not in usable
    ]
    if not usable:
        return [*lines, _line("    ", "Slurm listed no partitions hpctui can use here.")]
    lines.append(_line("    partitions:", "the GPU board shows these; `hpctui choose` picks among them"))
    for facts in usable:
        lines += _one_partition(facts)
    return lines


def _one_partition(facts: PartitionFacts) -> list[str]:
    lines = [_line("      - name: " + _scalar(facts.name), _partition_note(facts))]
    if facts.gpu_type is not None:
        lines += _gpu_lines(facts)
    if facts.cores_per_node is not None:
        cores = f"        cores_per_node: {facts.cores_per_node}"
        lines.append(_line(cores, "CPU cores per node" + _smallest(facts.cores_differ, "cores")))
    if facts.mem_gb_per_node is not None:
        memory = f"        mem_gb_per_node: {_scalar(facts.mem_gb_per_node)}"
        lines.append(_line(memory, "GB of memory per node" + _smallest(facts.memory_differs, "memory")))
    return lines


def _partition_note(facts: PartitionFacts) -> str:
    info = facts.info
    parts = ["default partition"] if info and info.default else []
    parts.append(f"{facts.nodes} node{'s' if facts.nodes != 1 else ''}")
    if info and info.max_time:
        parts.append(f"time limit {info.max_time}")
    if info and info.state != "UP":
        parts.append(f"state {info.state}")
    if facts.gpu_type is None:
        parts.append("no GPUs")
    return ", ".join(parts)


def _smallest(differ: bool, what: str) -> str:
    return f" (the smallest node's: nodes differ in {what})" if differ else ""


def _gpu_lines(facts: PartitionFacts) -> list[str]:
    main, *others = facts.gpus
    gpu_type = main.type
    also = f"; also {', '.join(f'{_count(gpu)} {gpu.type}' for gpu in others)}" if others else ""
    lines = [_line("        gpu_type: " + _scalar(gpu_type), _count(main) + also)]
    vram = vram_of(gpu_type)
    if vram is None:
        unknown = "Slurm names no GPU model" if gpu_type == UNTYPED_GPU else f"{gpu_type!r} is not a GPU hpctui knows"
        lines.append(_line("        # vram_gb: 40", f"{unknown}: set the memory per GPU"))
    elif vram.sure:
        lines.append(_line(f"        vram_gb: {_scalar(vram.gb)}", f"per GPU ({vram.model.upper()})"))
    else:
        sizes = " or ".join(f"{size:g}" for size in vram.sizes)
        lines.append(
            _line(
                f"        vram_gb: {_scalar(vram.gb)}",
                f"per GPU: {vram.model.upper()} has {sizes} GB and the type does not say: check",
            )
        )
    return lines


def _count(gpu: GpuCount) -> str:
    """``8 per node, 16 in all`` (``up to 4 per node`` when nodes differ)."""
    return f"{'' if gpu.even else 'up to '}{gpu.per_node} per node, {gpu.total} in all"


def _rules_lines(partitions: tuple[PartitionFacts, ...]) -> list[str]:
    """What Slurm's answers tell `hpctui lint` about the cluster: AMD GPUs mean ROCm."""
    amd = sorted({gpu.type for facts in partitions for gpu in facts.gpus if (vram := vram_of(gpu.type)) and vram.amd})
    if not amd:
        return []
    return [
        _line("    rules:", "what `hpctui lint` checks job scripts against"),
        _line("      rocm: true", f"AMD GPUs ({', '.join(amd)}): ROCm, not CUDA"),
    ]


def _account_lines(accounts: tuple[str, ...]) -> list[str]:
    if not accounts:
        return []
    listed = ", ".join(accounts)
    lines = [
        _line("    # env:", "exported for the jobs hpctui submits"),
        _line(f"    #   SBATCH_ACCOUNT: {_scalar(accounts[0])}", f"your Slurm accounts here: {listed}"),
    ]
    return lines
