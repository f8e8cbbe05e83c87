"""GRES and TRES strings: what sinfo and squeue say about GPUs.

Shapes seen on 22.05: ``gpu:mi250x:8``, ``gpu:mi250x:8(S:0-7)``, ``gpu:(null):4(IDX:0-3)``,
``gpu:a100:2,gpu:v100:2``, ``gpu:0``, ``(null)``, ``gpu:mi250x:0(IDX:N/A)``; per-job
requests ``gres:gpu:mi250x:2``; allocations ``cpu=2,mem=1G,node=1,gres/gpu=2``.
"""

from __future__ import annotations

from functools import lru_cache

from hpctui.slurm.errors import SlurmParseError
from hpctui.slurm.models import Gres
from hpctui.slurm.parse.fields import is_number

_COUNT_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses: ``gpu:a:2(S:0,2),mps:100`` has two entries."""
    if "(" not in text:
        return text.split(",")
    entries, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                raise SlurmParseError(f"unbalanced parentheses in GRES {text!r}")
        elif char == "," and depth == 0:
            entries.append(text[start:index])
            start = index + 1
    if depth:
        raise SlurmParseError(f"unbalanced parentheses in GRES {text!r}")
    entries.append(text[start:])
    return entries


def _count(text: str, entry: str) -> int:
    multiplier = _COUNT_UNITS.get(text[-1:], 1)
    digits = text[:-1] if multiplier > 1 else text
    if not is_number(digits):
        raise SlurmParseError(f"bad count in GRES entry {entry!r}")
    return int(digits) * multiplier


def _type(text: str) -> str | None:
    return None if text == "(null)" else text


def _entry(entry: str) -> Gres:
    """One ``kind[:type][:count][(detail)]`` entry; the detail (sockets, indexes) is dropped."""
    spec = entry
    if entry.endswith(")"):
        head, _, detail = entry.rpartition("(")
        spec = entry if detail == "null)" else head
    parts = spec.split(":")
    kind = parts[0]
    bare = spec.replace("(null)", "")
    if not kind or "(" in bare or ")" in bare:
        raise SlurmParseError(f"bad GRES entry {entry!r}")
    if len(parts) == 1:
        return Gres(kind, None, 1)
    if len(parts) == 2:
        if is_number(parts[1][:1]):
            return Gres(kind, None, _count(parts[1], entry))
        return Gres(kind, _type(parts[1]), 1)
    if len(parts) == 3 and parts[1]:
        return Gres(kind, _type(parts[1]), _count(parts[2], entry))
    raise SlurmParseError(f"bad GRES entry {entry!r}")


@lru_cache(maxsize=1024)
def parse_gres(text: str) -> tuple[Gres, ...]:
    """All entries of a GRES string; ``()`` for ``(null)`` or an empty string.

    Cached: the nodes of a cluster share a handful of distinct strings.
    """
    if text in ("", "(null)", "N/A"):
        return ()
    return tuple(_entry(entry) for entry in _split_top_level(text))


def gpu_count(gres: tuple[Gres, ...]) -> int:
    return sum(g.count for g in gres if g.kind == "gpu")


def _request_gpus(spec: str) -> int | None:
    """GPUs in a per-job/node/task request such as ``gres:gpu:mi250x:2`` or ``gres/gpu:2``."""
    if spec in ("", "N/A", "(null)"):
        return None
    total = None
    for entry in _split_top_level(spec):
        name = entry.removeprefix("gres:").removeprefix("gres/")
        if name == "gpu" or name.startswith("gpu:"):
            total = (total or 0) + _entry(name).count
    return total


def _alloc_gpus(tres: str) -> int | None:
    """``gres/gpu=N`` of a TRES string (``gres/gpu:TYPE=N`` entries repeat it by type)."""
    start = tres.find("gres/gpu=")
    if start < 0 or (start and tres[start - 1] != ","):
        return None
    value = tres[start + 9 :].partition(",")[0]
    return _count(value, tres)


def job_gpus(tres_alloc: str, per_job: str, per_node: str, per_task: str, nodes: int, tasks: int | None) -> int:
    """GPUs a job holds or asks for, in total.

    tres-alloc knows it for pending and running jobs alike when the site accounts
    ``gres/gpu`` (AccountingStorageTRES); otherwise the request is multiplied out.
    """
    allocated = _alloc_gpus(tres_alloc)
    if allocated is not None:
        return allocated
    for spec, factor in ((per_job, 1), (per_node, nodes), (per_task, tasks or 1)):
        count = _request_gpus(spec)
        if count is not None:
            return count * factor
    return 0
