"""GRES and TRES strings: what sinfo and squeue say about GPUs.

GRES entries are ``name[:type][:no_consume]:count[suffix][(S:sockets)|(IDX:indexes)]``:
``gpu:mi250x:8(S:0-7)``, ``gpu:(null):4(IDX:0-3)``, ``gpu:1g.10gb:2`` (a MIG type),
``pfsdir:scratch:no_consume:1``, ``nsight:no_consume:1``, ``mps:400``, ``bw:lustre:4G``,
``gpu:0``, ``(null)``. Per-job/node/socket/task requests are ``gres:gpu:mi250x:2`` (22.05)
or ``gres/gpu:2``, ``gres/gpu=2``, ``gres/gpu:a100=2`` (later releases); TRES strings are
``cpu=2,mem=1G,node=1,gres/gpu=2,gres/gpu:a100=2``, sometimes with only typed GPU entries.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from hpctui.slurm.errors import SlurmParseError
from hpctui.slurm.hostlist import iter_range_list, split_outside
from hpctui.slurm.models import Gres
from hpctui.slurm.parse.fields import is_number

_COUNT_UNITS = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40, "P": 1 << 50}
NO_CONSUME = "no_consume"


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses: ``gpu:a:2(S:0,2),mps:100`` has two entries."""
    return split_outside(text, "()") if "(" in text or ")" in text else text.split(",")


def _is_count(text: str) -> bool:
    digits = text[:-1] if text[-1:] in _COUNT_UNITS else text
    return is_number(digits)


def _count(text: str, entry: str) -> int:
    if not _is_count(text):
        raise SlurmParseError(f"bad count in GRES entry {entry!r}")
    multiplier = _COUNT_UNITS.get(text[-1:], 1)
    return int(text[:-1] if multiplier > 1 else text) * multiplier


def _numbers(text: str) -> tuple[int, ...] | None:
    """``0-3`` or ``0,2-3`` as numbers; None for ``N/A`` or anything else."""
    try:
        return tuple(int(n) for n in iter_range_list(text))
    except SlurmParseError:
        return None


def _shares(detail: str) -> tuple[tuple[int | None, int], ...] | None:
    """``-/5,5/5,3/5,0/5`` (shared GRES in GresUsed, one entry per GPU) as (used, total)."""
    shares = []
    for item in detail.split(","):
        used, slash, total = item.partition("/")
        if not slash or not is_number(total) or not (used == "-" or is_number(used)):
            return None
        shares.append((None if used == "-" else int(used), int(total)))
    return tuple(shares)


def _detail(detail: str) -> dict[str, Any]:
    """``S:0-1`` (socket binding), ``IDX:0,2`` (devices in use) or ``-/5,5/5`` (shares in
    use per GPU); other details are ignored."""
    key, _, value = detail.partition(":")
    if key == "S":
        return {"sockets": _numbers(value)}
    if key == "IDX":
        return {"indexes": _numbers(value)}
    if "/" in detail:
        return {"shares": _shares(detail)}
    return {}


def _entry(entry: str) -> Gres:
    """One ``name[:type][:no_consume][:count][(detail)]`` entry."""
    spec, detail = entry, ""
    if entry.endswith(")") and not entry.endswith(":(null)"):
        spec, _, detail = entry[:-1].rpartition("(")
    parts = spec.split(":")
    no_consume = NO_CONSUME in parts[1:]
    if no_consume:
        parts.remove(NO_CONSUME)
    kind, *rest = parts
    bare = spec.replace("(null)", "")
    if not kind or "(" in bare or ")" in bare or "(" in detail or len(rest) > 2 or not all(rest):
        raise SlurmParseError(f"bad GRES entry {entry!r}")
    count = 1
    if rest and (len(rest) == 2 or _is_count(rest[0])):
        count = _count(rest.pop(), entry)
    gres_type = None if not rest or rest[0] == "(null)" else rest[0]
    return Gres(kind, gres_type, count, no_consume, **_detail(detail))


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


def request_gpus(spec: str) -> int | None:
    """GPUs in one request field: ``gres:gpu:mi250x:2``, ``gres/gpu:2``, ``gres/gpu:a100=2``."""
    if spec in ("", "N/A", "(null)"):
        return None
    total = None
    for entry in _split_top_level(spec):
        name = entry.removeprefix("gres:").removeprefix("gres/").replace("=", ":", 1)
        if name == "gpu" or name.startswith("gpu:"):
            total = (total or 0) + _entry(name).count
    return total


def tres_gpus(tres: str) -> int | None:
    """GPUs of a TRES string: ``gres/gpu=N``, else the sum of typed ``gres/gpu:TYPE=N``
    entries (sites that account only typed GPUs); None when it names no GPU."""
    total = typed = None
    for item in tres.split(","):
        key, _, value = item.partition("=")
        if key == "gres/gpu":
            total = _count(value, tres)
        elif key.startswith("gres/gpu:"):
            typed = (typed or 0) + _count(value, tres)
    return total if total is not None else typed


def _per_node(count: int | None, sockets: int | None) -> int | None:
    return None if count is None else count * (sockets or 1)


def job_gpus(tres_alloc: str, per_job: str, per_node: str, per_socket: str, per_task: str,
             nodes: int, tasks: int | None, sockets: int | None) -> int:  # fmt: skip
    """GPUs a job holds or asks for, in total.

    tres-alloc knows it for pending and running jobs alike when the site accounts
    ``gres/gpu`` (AccountingStorageTRES); otherwise the request is multiplied out
    (per socket: by the sockets per node asked for, 1 when not given, and by the nodes).
    """
    allocated = tres_gpus(tres_alloc)
    if allocated is not None:
        return allocated
    requests = (
        (request_gpus(per_job), 1),
        (request_gpus(per_node), nodes),
        (_per_node(request_gpus(per_socket), sockets), nodes),
        (request_gpus(per_task), tasks or 1),
    )
    for count, factor in requests:
        if count is not None:
            return count * factor
    return 0
