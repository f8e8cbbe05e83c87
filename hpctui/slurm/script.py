"""What a batch script offers a resubmission, read without running it: its stages
(``START_STAGE``), its auto-resume checkpoint, and where on the cluster it is. Strings in,
values out; no I/O.

Variables are resolved only from literal assignments; anything else leaves a path unresolved.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass


@dataclass(frozen=True)
class Stages:
    """The stage-skipping pattern: ``START_STAGE="${START_STAGE:-0}"`` and ``for STAGE in 0 1 2 3``."""

    variable: str  # the environment variable that selects the first stage
    default: int
    values: tuple[int, ...]


_DEFAULTED = re.compile(
    r"""^\s*(?:export\s+)?(?P<var>[A-Za-z_]\w*)=(?P<q>["']?)\$\{(?P=var):?[-=](?P<default>\d+)\}(?P=q)\s*(?:[;#].*)?$""",
    re.M,
)
_FOR = re.compile(r"^\s*for\s+(?P<var>[A-Za-z_]\w*)\s+in\s+(?P<items>[^;\n]+?)\s*(?:;|\n|$)", re.M)
_BRACE = re.compile(r"^\{(\d+)\.\.(\d+)\}$")
_SEQ = re.compile(r"^\$\(\s*seq\s+(\d+)(?:\s+(\d+))?\s*\)$")


def detect_stages(script: str) -> Stages | None:
    """The stage variable and the stages of its loop, or None when the script has no such pattern.

    A defaulted variable and a loop belong together when the script compares the two
    (``[ "$STAGE" -lt "$START_STAGE" ]``) or the loop variable's name is part of the other's.
    """
    defaults = {m["var"]: int(m["default"]) for m in _DEFAULTED.finditer(script)}
    for loop in _FOR.finditer(script):
        values = _loop_values(loop["items"])
        if not values:
            continue
        for variable, default in defaults.items():
            if _compared(script, loop["var"], variable) or loop["var"] in variable:
                return Stages(variable, default, values)
    return None


def _loop_values(items: str) -> tuple[int, ...]:
    items = items.strip()
    brace = _BRACE.match(items)
    seq = _SEQ.match(items)
    if brace:
        return tuple(range(int(brace[1]), int(brace[2]) + 1))
    if seq:
        first, last = (int(seq[1]), int(seq[2])) if seq[2] else (1, int(seq[1]))
        return tuple(range(first, last + 1))
    words = items.split()
    if all(w.isdigit() for w in words):
        return tuple(int(w) for w in words)
    return ()


def _compared(script: str, a: str, b: str) -> bool:
    def ref(name: str) -> str:
        return r'"?\$\{?' + re.escape(name) + r'\}?"?'

    op = r"\s+-(?:lt|le|gt|ge|eq|ne)\s+"
    return bool(re.search(ref(a) + op + ref(b), script) or re.search(ref(b) + op + ref(a), script))


@dataclass(frozen=True)
class AutoResume:
    """The auto-resume pattern: the script checks for a checkpoint and passes ``--resume`` when it exists."""

    checkpoint: str  # as the script writes it, e.g. "$OUTPUT_DIR/latest.pt"
    resolved: str | None  # absolute path on the cluster, when every variable in it is known


_FILE_TEST = re.compile(r"""(?:\[\[?|\btest)\s+-[fse]\s+(?P<q>["']?)(?P<path>[^"'\s\]]+)(?P=q)""")
_CHECKPOINT = re.compile(r"\.(?:pt|pth|ckpt)$")
_ASSIGN = re.compile(r"""^\s*(?:export\s+)?(?P<var>[A-Za-z_]\w*)=(?P<value>"[^"\n]*"|'[^'\n]*'|[^\s;#'"]*)""", re.M)
# The innermost ${VAR}, ${VAR:-default} (default without $ or braces) or $VAR.
_VAR_REF = re.compile(r"\$\{(?P<braced>[A-Za-z_]\w*)(?::?[-=](?P<default>[^${}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)")


def detect_auto_resume(script: str, work_dir: str | None, job_env: dict[str, str] | None = None) -> AutoResume | None:
    """The checkpoint a script resumes from, or None when it has no auto-resume pattern: a file
    test of a checkpoint (``-f "$OUTPUT_DIR/latest.pt"``) in a script that talks of resuming.

    ``job_env``: variables Slurm will set for the job (SLURM_JOB_NAME, ...), used to resolve
    the path; variables the script defaults (``${OUTPUT_DIR:-outputs}``) take their default.
    """
    if not re.search(r"resum", script, re.I):
        return None
    tests = [t for t in _FILE_TEST.finditer(script) if _CHECKPOINT.search(t["path"])]
    if not tests:
        return None
    resume_lines = [line for line in script.splitlines() if "--resume" in line]
    chosen = next((t for t in tests if any(t["path"] in line for line in resume_lines)), tests[0])
    known = {**(job_env or {}), **({"SLURM_SUBMIT_DIR": work_dir} if work_dir else {})}
    resolved = _resolve(chosen["path"], _literal_assignments(script[: chosen.start()], known))
    if resolved is not None and not resolved.startswith("/"):
        resolved = posixpath.normpath(posixpath.join(work_dir, resolved)) if work_dir else None
    return AutoResume(chosen["path"], resolved)


def _literal_assignments(text: str, known: dict[str, str]) -> dict[str, str]:
    """Variables with a value known without running anything, in script order."""
    known = dict(known)
    for m in _ASSIGN.finditer(text):
        value = m["value"]
        if value[:1] == "'":
            known[m["var"]] = value[1:-1]
            continue
        resolved = _resolve(value.strip('"'), known)
        if resolved is None:
            known.pop(m["var"], None)
        else:
            known[m["var"]] = resolved
    return known


def _resolve(text: str, known: dict[str, str]) -> str | None:
    """``text`` with its variables replaced, innermost first; None when one is unknown or the
    text runs something (command substitution, arithmetic, backticks)."""
    if "$(" in text or "`" in text:
        return None
    while (m := _VAR_REF.search(text)) is not None:
        name = m["braced"] or m["bare"]
        if name in known:
            value = known[name]
        elif m["default"] is not None:
            value = m["default"]
        else:
            return None
        text = text[: m.start()] + value + text[m.end() :]
    return None if "$" in text else text


_PROBE = 'i=0; for f in "$@"; do i=$((i+1)); if test -f "$f"; then echo "$i"; exec cat -- "$f"; fi; done; exit 1'


def script_candidates(command_field: str) -> list[str]:
    """Where the script may be: ``Command=`` is the script path and its arguments joined by
    spaces, and the path may hold spaces too, so every split is a candidate, longest first."""
    words = command_field.split(" ")
    return [" ".join(words[:n]) for n in range(len(words), 0, -1)]


def script_probe_command(candidates: list[str]) -> str:
    """Print the number of the first candidate path that is a file, then the file (exit 1: none is)."""
    paths = " ".join(shlex.quote(p) for p in candidates)
    return f"sh -c {shlex.quote(_PROBE)} sh {paths}"


def parse_script_probe(stdout: str, candidates: list[str]) -> tuple[str, str] | None:
    """(the script path found, the file's text) from ``script_probe_command`` output."""
    number, _, text = stdout.partition("\n")
    if not number.isdigit() or not 1 <= int(number) <= len(candidates):
        return None
    return candidates[int(number) - 1], text


def split_command(command_field: str, path: str) -> list[str]:
    """The arguments after ``path`` in ``Command=`` (split at spaces: Slurm kept no quotes)."""
    return command_field[len(path) :].split()


def file_exists_command(path: str) -> str:
    """Prints ``present`` or ``absent``: whether ``path`` is a regular file."""
    return (
        "sh -c " + shlex.quote('if test -f "$1"; then echo present; else echo absent; fi') + f" sh {shlex.quote(path)}"
    )


def save_copy_command(path: str) -> str:
    """Write stdin to ``path`` (creating its directory): the script accounting kept, saved for sbatch."""
    return f"mkdir -p -- {shlex.quote(posixpath.dirname(path))} && cat > {shlex.quote(path)}"


def saved_copy_path(work_dir: str, job_id: str) -> str:
    return posixpath.join(work_dir, ".hpctui", f"resubmit-{job_id}.sbatch")
