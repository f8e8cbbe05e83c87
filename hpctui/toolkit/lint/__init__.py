"""`hpctui lint`: the field notes' pitfalls, checked in job scripts, shell scripts, Makefiles,
Python sources and ssh configs.

``lint_text`` is what the TUI calls on a fetched batch script before resubmitting it;
``lint_paths`` is what the CLI runs. Rules live in one module per family and are listed,
with their why/fix and field-notes source, in ``docs/lint-rules.md``.
"""

from hpctui.toolkit.lint.engine import Run, lint_document, lint_file, lint_paths, lint_submission, lint_text
from hpctui.toolkit.lint.kinds import Kind
from hpctui.toolkit.lint.registry import RULES, Finding, LintContext, Rule, Severity

__all__ = [
    "RULES", "Finding", "Kind", "LintContext", "Rule", "Run", "Severity",
    "lint_document", "lint_file", "lint_paths", "lint_submission", "lint_text",
]  # fmt: skip
