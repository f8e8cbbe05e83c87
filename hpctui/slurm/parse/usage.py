"""Live use of a running job: ``sstat`` rows, ``nvidia-smi`` CSV and ``rocm-smi`` JSON.

Pure: strings in, models out. Malformed input raises ``SlurmParseError``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from hpctui.slurm.errors import SlurmParseError
from hpctui.slurm.parse.fields import NULLS, is_number, parse_cpu_time, parse_size

# The sstat fields, in this order (``-P``: "|" between them; no value holds a "|").
SSTAT_FIELDS = ("JobID", "AveCPU", "MaxRSS", "TRESUsageInAve", "TRESUsageInMax")
MIB = 1 << 20


@dataclass(frozen=True)
class StepUsage:
    """One running step as sstat sees it (the task averages and maxima of its nodes)."""

    step: str  # "1234.batch", "1234.0"
    cpu_s: float | None  # AveCPU: CPU time of the average task
    max_rss: int | None  # bytes
    gpu_util: float | None = None  # TRES gres/gpuutil (percent), where the site gathers it
    gpu_mem: int | None = None  # TRES gres/gpumem (bytes)


@dataclass(frozen=True)
class JobUsage:
    steps: tuple[StepUsage, ...]

    @property
    def cpu_s(self) -> float | None:
        times = [step.cpu_s for step in self.steps if step.cpu_s is not None]
        return sum(times) if times else None

    @property
    def rss(self) -> int | None:
        """Bytes: the steps' MaxRSS added up (steps may run side by side)."""
        sizes = [step.max_rss for step in self.steps if step.max_rss is not None]
        return sum(sizes) if sizes else None


@dataclass(frozen=True)
class GpuUse:
    """One GPU as the vendor tool reports it."""

    index: int
    name: str
    util_pct: float | None
    mem_used: int | None  # bytes
    mem_total: int | None


def tres_usage(text: str) -> dict[str, str]:
    """``cpu=00:00:01,mem=240K,gres/gpuutil=45`` as raw values (cpu is a duration there)."""
    found = {}
    for item in text.split(","):
        key, equals, value = item.partition("=")
        if equals and key:
            found[key] = value
    return found


def _step(fields: list[str]) -> StepUsage:
    step, cpu, rss, _ave, tres_max = fields
    most = tres_usage(tres_max)
    util = most.get("gres/gpuutil")
    mem = most.get("gres/gpumem")
    return StepUsage(
        step=step,
        cpu_s=parse_cpu_time(cpu),
        max_rss=parse_size(rss),
        gpu_util=_number(util, "gres/gpuutil") if util else None,
        gpu_mem=parse_size(mem) if mem else None,
    )


def parse_sstat(text: str) -> JobUsage:
    """Rows of ``sstat -a -P -n --format=`` SSTAT_FIELDS; none when no step runs."""
    steps = []
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) != len(SSTAT_FIELDS):
            raise SlurmParseError(f"sstat: expected {len(SSTAT_FIELDS)} fields, got {len(fields)}: {line[:120]!r}")
        steps.append(_step(fields))
    return JobUsage(tuple(steps))


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise SlurmParseError(f"{what}: not a number: {text[:40]!r}") from None
    if not (0 <= value < 1e30):
        raise SlurmParseError(f"{what}: out of range: {text[:40]!r}")
    return value


def _optional_number(text: str, what: str) -> float | None:
    """nvidia-smi says ``[N/A]`` or ``[Not Supported]`` where a GPU cannot tell."""
    text = text.strip()
    return None if text.startswith("[") or text in NULLS else _number(text, what)


def _mib(text: str, what: str) -> int | None:
    value = _optional_number(text, what)
    return None if value is None else round(value * MIB)


def parse_nvidia_csv(text: str) -> tuple[GpuUse, ...]:
    """``nvidia-smi --query-gpu=index,name,utilization.gpu,memory.used,memory.total
    --format=csv,noheader,nounits``: one line per GPU, memory in MiB."""
    gpus = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(",")]
        if len(parts) < 5 or not is_number(parts[0]):
            raise SlurmParseError(f"nvidia-smi: not a GPU line: {line[:120]!r}")
        index, *name, util, used, total = parts
        gpus.append(
            GpuUse(
                index=int(index),
                name=", ".join(name),  # a name holding a comma comes back whole
                util_pct=_optional_number(util, "utilization.gpu"),
                mem_used=_mib(used, "memory.used"),
                mem_total=_mib(total, "memory.total"),
            )
        )
    return tuple(gpus)


_CARD = re.compile(r"card(\d+)")
_ROCM_NAMES = ("Card Series", "Card series", "Card SKU")  # not printed by --showuse alone


def parse_rocm_json(text: str) -> tuple[GpuUse, ...]:
    """``rocm-smi --showuse --showmeminfo vram --json``: ``{"card0": {"GPU use (%)": "68",
    "VRAM Total Memory (B)": ..., "VRAM Total Used Memory (B)": ...}, ...}``; rocm-smi may print
    warnings before the JSON, and newer releases add a ``system`` entry."""
    start = text.find("{")
    if start < 0:
        raise SlurmParseError(f"rocm-smi: no JSON in {text.strip()[:120]!r}")
    try:
        data, _ = json.JSONDecoder().raw_decode(text, start)
    except ValueError as error:
        raise SlurmParseError(f"rocm-smi: bad JSON: {error}") from None
    if not isinstance(data, dict):
        raise SlurmParseError("rocm-smi: the JSON is not an object")
    gpus = []
    for key, card in data.items():
        found = _CARD.fullmatch(str(key))
        if found is None or not isinstance(card, dict):
            continue
        gpus.append(_rocm_card(int(found.group(1)), card))
    return tuple(sorted(gpus, key=lambda gpu: gpu.index))


def _rocm_card(index: int, card: dict[str, object]) -> GpuUse:
    def number(key: str) -> float | None:
        return _optional_number(str(card.get(key, "N/A")), key)

    used, total = number("VRAM Total Used Memory (B)"), number("VRAM Total Memory (B)")
    return GpuUse(
        index=index,
        name=next((str(card[key]) for key in _ROCM_NAMES if key in card), f"card{index}"),
        util_pct=number("GPU use (%)"),
        mem_used=None if used is None else round(used),
        mem_total=None if total is None else round(total),
    )
