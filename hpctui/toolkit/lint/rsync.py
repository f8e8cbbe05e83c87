"""rsync excludes without a leading slash, checked against the local source tree.

rsync matches a pattern without a leading ``/`` against the end of every path, at any depth:
``--exclude 'data'`` drops the top-level ``data/`` AND ``src/mypackage/data/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from hpctui.toolkit.lint.document import Document
from hpctui.toolkit.lint.kinds import SHELL_LIKE
from hpctui.toolkit.lint.options import RSYNC, Option, parse_options
from hpctui.toolkit.lint.registry import Hit, LintContext, Severity, rule
from hpctui.toolkit.lint.shellsyntax import Word
from hpctui.toolkit.sync import Pitfall, pitfalls

SECTION = "Code Sync via rsync; Common Mistakes #1"
_FILTER_EXCLUDE = re.compile(r"^(?:-|exclude)(?:,?(?P<mods>[!Csrpx/]*))?[ _](?P<pattern>.+)$")
_REMOTE = re.compile(r"^(?:rsync://|[\w.@-]+::?)")

NESTED = rule(
    "HPC201", "rsync-exclude-nested", "rsync exclude without leading slash drops a nested directory", Severity.ERROR,
    why="Without a leading slash rsync excludes the name at every depth: `--exclude 'data'` also "
    "drops src/mypackage/data/ (Python source). Nothing fails locally; on the cluster a module "
    "is missing. It took days to find.",
    fix="anchor it to the top of the transfer: --exclude '/data'",
    source="rsync `--exclude 'data'` without leading slash -- silently removes Python source "
    "subdirectories named `data/` ... Always use `--exclude '/data'`.",
    section=SECTION,
)  # fmt: skip

UNANCHORED = rule(
    "HPC202", "rsync-exclude-unanchored", "rsync exclude without leading slash would match nested paths", Severity.WARNING,
    why="The same pitfall before it bites: no nested directory of source code matches in the local "
    "tree today (or the tree could not be checked), but the first src/pkg/data/ added later "
    "disappears on the cluster. Names meant for every depth (.git, __pycache__, *.pyc, "
    "node_modules) and patterns naming a path (pkg/data) are not reported.",
    fix="anchor it: --exclude '/data' (top level only)",
    source="Never exclude without leading slash: ... `data` without slash also removes `src/mypackage/data/` (Python source code!)",
    section=SECTION,
)  # fmt: skip

# Names one wants excluded at every depth: not reported.
EVERYWHERE = frozenset({"__pycache__", "node_modules", "venv"})


@dataclass(frozen=True)
class Exclude:
    pattern: str
    word: Word
    origin: str = ""  # " (from FILE line N)" for --exclude-from


@dataclass(frozen=True)
class Checked:
    exclude: Exclude
    root: Path | None  # the local tree looked at; None when it could not be
    nested: tuple[Pitfall, ...]  # nested directories of source code the pattern drops there


def _deliberate(pattern: str) -> bool:
    """Anchored, meant for every depth (.git, *.pyc, __pycache__), or naming a path (pkg/data):
    taken as written, as `hpctui sync` does."""
    name = pattern.rstrip("/")
    return not name or name.startswith(("/", ".", "*")) or name in EVERYWHERE or "/" in name


def _excludes(options: Sequence[Option], base: Path | None) -> Iterator[Exclude]:
    for option in options:
        value = option.value or ""
        if option.name == "exclude" and value:
            yield Exclude(value, option.word)
        elif option.name == "filter":
            m = _FILTER_EXCLUDE.match(value)
            if m and "/" not in (m["mods"] or ""):
                yield Exclude(m["pattern"], option.word)
        elif option.name == "exclude-from" and value:
            yield from _excludes_from(value, option.word, base)


def _excludes_from(value: str, word: Word, base: Path | None) -> Iterator[Exclude]:
    path = Path(value).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return
    for number, line in enumerate(lines, 1):
        pattern = line.strip()
        if pattern.startswith("- "):
            pattern = pattern[2:]
        if pattern and not pattern.startswith(("#", ";", "+ ")):
            yield Exclude(pattern, word, f" (from {value} line {number})")


def _local_root(operands: Sequence[Word], base: Path | None) -> Path | None:
    """The local directory being sent (the first source), or None for a pull from a remote."""
    if len(operands) < 2:
        return None
    source = operands[0].text
    if _REMOTE.match(source):
        return None
    if "$" in source or "`" in source:
        return base
    path = Path(source).expanduser()
    if not path.is_absolute():
        path = base / path if base is not None else path
    return path if path.is_dir() else base


def checked_excludes(doc: Document, ctx: LintContext) -> Iterator[Checked]:
    """Every unanchored, non-deliberate exclude of every rsync call, with its nested matches."""
    for command in doc.script.commands:
        k = command.find("rsync")
        if k is None:
            continue
        options, operands = parse_options(command.words[k + 1 :], RSYNC)
        root = _local_root(operands, ctx.tree)
        excludes = list(_excludes(options, ctx.tree))
        found = pitfalls([e.pattern for e in excludes], root.resolve()) if root else []
        for exclude in excludes:
            if not _deliberate(exclude.pattern):
                yield Checked(exclude, root, tuple(p for p in found if p.pattern == exclude.pattern))


@NESTED.check(*SHELL_LIKE)
def _nested(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    for checked in checked_excludes(doc, ctx):
        if checked.nested:
            pattern, word = checked.exclude.pattern, checked.exclude.word
            first = checked.nested[0]
            more = f" and {len(checked.nested) - 1} more directories" if len(checked.nested) > 1 else ""
            yield Hit(word.line, word.col,
                      f"--exclude '{pattern}'{checked.exclude.origin} has no leading slash: it also drops "
                      f"{first.directory}/ (source code: {first.example}){more}",
                      hint=f"anchor it to the top of the transfer: --exclude '/{pattern}'")  # fmt: skip


@UNANCHORED.check(*SHELL_LIKE)
def _unanchored(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    for checked in checked_excludes(doc, ctx):
        if checked.nested:
            continue
        pattern, word = checked.exclude.pattern, checked.exclude.word
        seen = (
            f"no nested source directory matches in {checked.root} today"
            if checked.root
            else "the local tree was not checked"
        )
        yield Hit(word.line, word.col,
                  f"--exclude '{pattern}'{checked.exclude.origin} has no leading slash: it would also drop "
                  f"any nested {pattern.strip('/')} (e.g. src/pkg/{pattern.strip('/')}); {seen}",
                  hint=f"--exclude '/{pattern}' excludes only the top-level one")  # fmt: skip
