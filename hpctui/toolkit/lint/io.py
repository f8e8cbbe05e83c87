"""Temp-file-heavy tools (tippecanoe, SQLite in WAL mode) on Lustre: they deadlock there."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from hpctui.toolkit.lint.document import Document
from hpctui.toolkit.lint.kinds import SHELL_LIKE, Kind
from hpctui.toolkit.lint.options import TIPPECANOE, parse_options
from hpctui.toolkit.lint.python import constant_strings
from hpctui.toolkit.lint.registry import Hit, LintContext, Severity, rule

SECTION = "Common Mistakes #13"
TOOLS = ("tippecanoe", "tile-join")
_WAL = re.compile(r"(?i)journal_mode\s*=\s*['\"]?wal\b")
_SHM = re.compile(r"/dev/shm")
_PYTHON_TRIGGER = re.compile(r"(?i)journal_mode|tippecanoe|tile-join")
_PATH_OPTIONS = ("output", "output-to-directory", "temporary-directory")

ON_LUSTRE = rule(
    "HPC501", "tempfiles-on-lustre", "temp-file-heavy tool writes to a Lustre path", Severity.ERROR,
    why="tippecanoe, SQLite in WAL mode and similar tools rely on many small temp files, mmap and "
    "locking; on Lustre they deadlock.",
    fix="write to /dev/shm (or a node-local disk) and copy the result to Lustre at the end",
    source="Used Lustre for temp-file-heavy tools -- tippecanoe, SQLite WAL mode, and similar tools "
    "deadlock on Lustre. Use `/dev/shm` (126GB on Betzy) instead.",
    section=SECTION, facts="lustre_paths",
)  # fmt: skip

NO_SHM = rule(
    "HPC502", "tempfiles-no-shm", "temp-file-heavy tool with no /dev/shm in sight", Severity.WARNING,
    why="The same pitfall when the paths are relative or variables: in a job the working directory "
    "is usually on the cluster's Lustre work/project file system.",
    fix="point the output / TMPDIR at /dev/shm (export TMPDIR=/dev/shm/$SLURM_JOB_ID) and copy back at the end",
    source="tippecanoe, SQLite WAL mode, and similar tools deadlock on Lustre. Use `/dev/shm`",
    section=SECTION,
)  # fmt: skip


def _on_lustre(path: str, ctx: LintContext) -> bool:
    prefixes = ctx.rules.lustre_paths if ctx.rules else ()
    return any(path == p.rstrip("/") or path.startswith(p.rstrip("/") + "/") for p in prefixes)


@dataclass(frozen=True)
class Use:
    """A temp-file-heavy tool the file runs, and the paths it is told to write."""

    line: int
    col: int
    tool: str
    paths: tuple[str, ...]


def _shell_uses(doc: Document) -> Iterator[Use]:
    for command in doc.script.commands:
        k = command.find(*TOOLS)
        if k is not None:
            options, _ = parse_options(command.words[k + 1 :], TIPPECANOE)
            paths = tuple(o.value for o in options if o.name in _PATH_OPTIONS and o.value)
            yield Use(command.words[k].line, command.words[k].col, command.words[k].name, paths)
            continue
        k = command.find("sqlite3")
        if k is not None and any(_WAL.search(w.text) for w in command.words):
            operands = [w.text for w in command.words[k + 1 :] if not w.text.startswith("-")]
            yield Use(command.words[k].line, command.words[k].col, "sqlite3 (WAL)", tuple(operands[:1]))


def _python_uses(doc: Document) -> Iterator[Use]:
    """SQLite WAL pragmas (with the paths given to sqlite3.connect) and tippecanoe run by subprocess
    (with the strings of that call)."""
    up = doc.parents
    strings = list(constant_strings(doc.nodes))
    databases = tuple(str(c.value) for c in strings if _connect_arg(c, up))
    for const in strings:
        if _WAL.search(str(const.value)):
            yield Use(const.lineno, const.col_offset + 1, "SQLite WAL", databases)
        elif const.value in TOOLS:
            call = up.get(const)
            while call is not None and not isinstance(call, ast.Call):
                call = up.get(call)
            paths = tuple(str(c.value) for c in constant_strings(ast.walk(call))) if call is not None else ()
            yield Use(const.lineno, const.col_offset + 1, str(const.value), paths)


def _connect_arg(const: ast.Constant, up: dict[ast.AST, ast.AST]) -> bool:
    """The database path of ``sqlite3.connect("...")``."""
    call = up.get(const)
    if not isinstance(call, ast.Call):
        return False
    return isinstance(call.func, ast.Attribute) and call.func.attr == "connect" and call.args[:1] == [const]


def _uses(doc: Document) -> list[Use]:
    if doc.kind is Kind.PYTHON:
        return list(_python_uses(doc)) if _PYTHON_TRIGGER.search(doc.text) else []
    return list(_shell_uses(doc))


def _has_shm(doc: Document) -> bool:
    return "/dev/shm" in doc.text if doc.kind is Kind.PYTHON else doc.script.search(_SHM) is not None


@ON_LUSTRE.check(*SHELL_LIKE, Kind.PYTHON)
def _lustre_paths(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    for use in _uses(doc):
        lustre = [p for p in use.paths if _on_lustre(p, ctx)]
        if lustre:
            yield Hit(
                use.line, use.col, f"{use.tool} writes to {lustre[0]} on Lustre ({ctx.where}): it deadlocks there"
            )


@NO_SHM.check(*SHELL_LIKE, Kind.PYTHON)
def _no_shm(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    if _has_shm(doc):
        return
    for use in _uses(doc):
        if not any(_on_lustre(p, ctx) for p in use.paths):
            yield Hit(
                use.line, use.col, f"{use.tool} with no /dev/shm in the file: its temp files probably land on Lustre"
            )
