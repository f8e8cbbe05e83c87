"""Runs the registered rules over texts, files and directory trees."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
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
              tree: Path | None = None) -> list[Finding]:  # fmt: skip
    """Lint a script that is not (or not only) on disk, e.g. a batch script fetched from a cluster.

    The kind comes from ``path_hint`` and the text; anything unrecognised is read as a shell
    script. ``tree`` is the local tree rsync excludes are checked against (None: not checked)."""
    kind = detect_kind(path_hint, text) or Kind.SHELL
    return lint_document(Document(path_hint, text, kind), LintContext(cluster_rules, cluster, tree))


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
