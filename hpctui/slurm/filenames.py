"""Slurm's file name patterns (``--output=logs/%x_%A_%a.out``), expanded as slurmstepd does.

squeue 22.05 prints StdOut/StdErr unexpanded and sacct 22.05 has no paths at all, so the
paths of a job's log files are expanded here, from what squeue or accounting says of it.
"""

from __future__ import annotations

from functools import lru_cache

NO_TASK = "4294967294"  # what Slurm writes for %a outside an array, and in the pending rest of one (NO_VAL)


_CODES = frozenset("jJAaxuNnts")
Piece = tuple[str, str, int]  # (literal text, pattern code or "", zero-padding width)


@lru_cache(maxsize=1024)
def _pattern_pieces(pattern: str) -> tuple[Piece, ...]:
    """``pattern`` as literal text and codes: ``log_%4a.out`` -> ("log_", "a", 4), (".out", "", 0)."""
    if "\\" in pattern:  # a backslash turns expansion off (and is dropped), as in Slurm
        return ((pattern.replace("\\", ""), "", 0),)
    pieces: list[Piece] = []
    literal, rest = pattern.partition("%")[::2] if "%" in pattern else (pattern, None)
    while rest is not None:
        if rest.startswith("%"):  # "%%" is a literal "%"
            text, _, tail = rest[1:].partition("%")
            literal += "%" + text
            rest = tail if "%" in rest[1:] else None
            continue
        digits = len(rest) - len(rest.lstrip("0123456789"))
        code = rest[digits : digits + 1]
        known = code in _CODES and rest[:digits].isascii()
        if known:
            pieces.append((literal, code, min(int(rest[:digits]), 10) if digits else 0))
            literal, after = "", rest[digits + 1 :]
        else:
            literal, after = literal + "%", rest
        text, mark, tail = after.partition("%")
        literal += text
        rest = tail if mark else None
    pieces.append((literal, "", 0))
    return tuple(pieces)


# Where each code's value is among expand_filename's values; %n, %t and %s are constants.
_ARGUMENT_OF = {"j": 0, "J": 0, "A": 1, "a": 2, "x": 3, "u": 4, "N": 5}
_CONSTANT_OF = {"n": "0", "t": "0", "s": "batch"}
_NUMBERS = frozenset("jJAant")  # the codes slurmstepd zero-pads to their width (not %N %u %x)


def expand_filename(pattern: str, job_id: str, array_job_id: str | None, task_id: str | None,
                    name: str, user: str, first_node: str) -> str:  # fmt: skip
    """Expand Slurm's file name patterns as slurmstepd does for the batch step.

    A pattern that contains a backslash is not expanded (backslashes are dropped), as in Slurm.
    """
    values = (job_id, array_job_id or job_id, task_id or NO_TASK, name, user, first_node)
    out = []
    for literal, code, width in _pattern_pieces(pattern):
        out.append(literal)
        if code:
            value = _CONSTANT_OF.get(code) or values[_ARGUMENT_OF[code]]
            out.append(value.zfill(width) if width and code in _NUMBERS and value.isdigit() else value)
    return "".join(out)


def pattern_codes(path: str) -> frozenset[str]:
    """The codes ``path`` still holds. scontrol 22.05 prints StdOut/StdErr with only the bare
    %A %a %j %u %x expanded: the node's codes (%N %n %t %s), %J, every code with a width and
    "%%" are left as they are (``nc_%N_%5j_7179.out`` for ``-o nc_%N_%5j_%j.out``)."""
    return frozenset(code for _, code, _ in _pattern_pieces(path) if code)


def literal_pattern(path: str | None) -> str | None:
    """A pattern that expands to ``path`` itself (each "%" doubled): for a Job whose name or
    nodes no longer say what its log file is called (an array's row). A path that holds a
    backslash (from a job name) loses it: Slurm's patterns cannot write one."""
    return None if path is None else path.replace("%", "%%")
