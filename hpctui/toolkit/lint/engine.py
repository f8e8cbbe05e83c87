"""Runs the registered rules over texts, files and directory trees."""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import hpctui.toolkit.lint.cluster  # noqa: F401  (importing the rule modules registers their rules)
from hpctui.config.model import Rules
from hpctui.toolkit.lint import io, python, rsync, shell, slurm, sshconfig  # noqa: F401
from hpctui.toolkit.lint.document import Document, detect_kind
from hpctui.toolkit.lint.kinds import Kind
from hpctui.toolkit.lint.registry import RULES, Finding, LintContext

SKIP_DIRS = frozenset({".git", "__pycache__", ".venv", "venv", "node_modules", ".tox", ".mypy_cache", ".pytest_cache"})
MAX_BYTES = 2 * 1024 * 1024  # larger files are not scripts


def lint_document(doc: Document, ctx: LintContext) -> list[Finding]:
    findings = []
    for rule in RULES.values():
        for kinds, check in rule.checks:
            if doc.kind not in kinds:
                continue
            for hit in check(doc, ctx):
                if not doc.suppressed(hit.line, rule.code):
                    findings.append(Finding(doc.path, hit.line, hit.col, rule.code, hit.message,
                                            hit.hint or rule.fix, hit.severity or rule.severity))  # fmt: skip
    return sorted(set(findings), key=lambda f: (f.line, f.col, f.code, f.message))


def lint_text(text: str, path_hint: str, cluster_rules: Rules | None = None, *, cluster: str | None = None,
              tree: Path | None = None, work_dir: str = "", existing_dirs: tuple[str, ...] = ()) -> list[Finding]:  # fmt: skip
    """Lint a script that is not (or not only) on disk, e.g. a batch script fetched from a cluster.

    The kind comes from ``path_hint`` and the text; anything unrecognised is read as a shell
    script. ``tree`` is the local tree rsync excludes are checked against (None: not checked).
    ``work_dir`` is the directory the job runs in on the cluster (it exists, as do its parents),
    ``existing_dirs`` other directories known to exist there."""
    kind = detect_kind(path_hint, text) or Kind.SHELL
    ctx = LintContext(cluster_rules, cluster, tree, work_dir, existing_dirs)
    return lint_document(Document(path_hint, text, kind), ctx)


def lint_submission(text: str, path_hint: str, options: Mapping[str, str | bool | None], cluster_rules: Rules | None = None,
                    *, cluster: str | None = None, work_dir: str = "", existing_dirs: tuple[str, ...] = ()) -> list[Finding]:  # fmt: skip
    """Lint what sbatch will run: the script with ``options`` (the sbatch command line's, which
    win over its ``#SBATCH`` lines) read as directives after the script's own. Findings keep the
    script's line numbers; one about a command-line option has line 0."""
    kind = detect_kind(path_hint, text) or Kind.SHELL
    lines = text.splitlines(keepends=True)
    first = Document(path_hint, text, kind).script.first_command_line
    at = len(lines) if first is None else first - 1
    added = [_directive(name, value) for name, value in options.items() if value]
    merged = "".join([*lines[:at], *added, *lines[at:]])
    ctx = LintContext(cluster_rules, cluster, None, work_dir, existing_dirs)
    findings = lint_document(Document(path_hint, merged, Kind.SBATCH if added else kind), ctx)
    return [_moved_back(f, at, len(added)) for f in findings]


def _directive(name: str, value: str | bool | None) -> str:
    return f"#SBATCH --{name}\n" if value is True else f"#SBATCH --{name}={shlex.quote(str(value))}\n"


def _moved_back(finding: Finding, at: int, added: int) -> Finding:
    """A finding on the merged text, placed on the script (line 0: on an added directive)."""
    if finding.line <= at:
        return finding
    return (
        replace(finding, line=0, col=0) if finding.line <= at + added else replace(finding, line=finding.line - added)
    )


def lint_file(path: Path, ctx: LintContext) -> list[Finding] | None:
    """Findings of one file; None when it is not a kind of file the linter reads."""
    text = _read(path)
    kind = detect_kind(str(path), text) if text is not None else None
    if kind is None or text is None:
        return None
    return lint_document(Document(str(path), text, kind), replace(ctx, tree=ctx.tree or path.parent))


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return None if b"\0" in data[:4096] else data.decode("utf-8", errors="replace")


def iter_files(paths: Iterable[Path]) -> Iterator[tuple[Path, bool]]:
    """Files to lint: (path, named explicitly). Directories are walked, skipping caches and venvs."""
    for path in paths:
        if not path.is_dir():
            yield path, True
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            for name in sorted(files):
                yield Path(root) / name, False


@dataclass
class Run:
    findings: list[Finding]
    files: int  # files linted
    skipped: list[Path]  # files named explicitly that are of no known kind


def lint_paths(paths: Iterable[Path], ctx: LintContext) -> Run:
    run = Run([], 0, [])
    for path, explicit in iter_files(paths):
        found = lint_file(path, ctx)
        if found is None:
            if explicit:
                run.skipped.append(path)
            continue
        run.files += 1
        run.findings.extend(found)
    return run
