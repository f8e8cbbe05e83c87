"""The rule registry: every rule's code, title, why, fix and field-notes source.

Rules are declared with :func:`rule` and get their checks with :meth:`Rule.check`;
``docs/lint-rules.md`` is generated from this registry (``hpctui.toolkit.lint.docs``).
A check is ``fn(doc, ctx) -> Iterable[Hit]``; the engine turns hits into findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from hpctui.config.model import Rules
from hpctui.toolkit.lint.kinds import Kind

if TYPE_CHECKING:
    from hpctui.toolkit.lint.document import Document


class Severity(StrEnum):
    ERROR = "error"  # the job breaks, hangs or silently loses data
    WARNING = "warning"  # likely trouble, or a check that could not see everything


@dataclass(frozen=True)
class Finding:
    path: str
    line: int  # 1-based
    col: int  # 1-based
    code: str
    message: str
    hint: str
    severity: Severity = Severity.WARNING

    def as_dict(self) -> dict[str, object]:
        return {
            "path": self.path, "line": self.line, "col": self.col, "code": self.code,
            "severity": str(self.severity), "message": self.message, "hint": self.hint,
        }  # fmt: skip


@dataclass(frozen=True)
class Hit:
    """What a check reports; the engine adds path and code, and the rule's fix as default hint."""

    line: int
    col: int
    message: str
    hint: str | None = None
    severity: Severity | None = None  # None: the rule's severity


@dataclass(frozen=True)
class LintContext:
    """What a lint run knows besides the file: the cluster's rules and the local source tree."""

    rules: Rules | None = None  # None: no cluster chosen; rules needing cluster facts are skipped
    cluster: str | None = None  # the cluster's name, for messages
    tree: Path | None = None  # local tree rsync excludes are checked against
    # The job's directory on the cluster (relative log paths start there) and directories known to
    # exist there (a log directory among them needs no mkdir); "" and () when linting local files.
    work_dir: str = ""
    existing_dirs: tuple[str, ...] = ()

    @property
    def where(self) -> str:
        return f"cluster {self.cluster}" if self.cluster else "this cluster"


Check = Callable[["Document", LintContext], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    code: str
    name: str  # short slug, e.g. "strict-mode"
    title: str
    severity: Severity
    why: str
    fix: str
    source: str  # the field notes' words this rule comes from
    section: str  # the field notes' section
    facts: str = ""  # the cluster rules it reads ("" = none: it always runs)
    checks: list[tuple[tuple[Kind, ...], Check]] = field(default_factory=list, compare=False)

    def check(self, *kinds: Kind) -> Callable[[Check], Check]:
        """Register ``fn`` as this rule's check for files of ``kinds``."""

        def register(fn: Check) -> Check:
            self.checks.append((kinds, fn))
            return fn

        return register

    @property
    def kinds(self) -> tuple[Kind, ...]:
        return tuple(k for k in Kind if any(k in kinds for kinds, _ in self.checks))


RULES: dict[str, Rule] = {}


def rule(code: str, name: str, title: str, severity: Severity, *, why: str, fix: str,
         source: str, section: str, facts: str = "") -> Rule:  # fmt: skip
    if code in RULES:
        raise ValueError(f"duplicate lint rule code {code}")
    RULES[code] = Rule(code, name, title, severity, why, fix, source, section, facts)
    return RULES[code]
