"""docs/lint-rules.md documents every registered rule and is what the registry renders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hpctui.toolkit.lint import RULES
from hpctui.toolkit.lint.docs import NOT_CHECKED, render

DOC = Path(__file__).parents[2] / "docs" / "lint-rules.md"
NOTES = Path("/work/shared/seeds/000_b3a3489b682425c0.txt")


def test_doc_is_generated_from_the_registry():
    assert DOC.read_text() == render(), "regenerate: python -m hpctui.toolkit.lint.docs > docs/lint-rules.md"


def test_every_rule_has_a_section_with_why_fix_and_source():
    text = DOC.read_text()
    for code, rule in RULES.items():
        section = text.split(f"### {code}\n", 1)[1].split("\n### ", 1)[0]
        assert rule.why in section and rule.fix in section and rule.source in section, code


def test_rule_codes_are_unique_well_formed_and_have_checks():
    assert all(re.fullmatch(r"HPC\d{3}", code) and rule.checks for code, rule in RULES.items())


def test_not_checked_section_lists_the_undetectable_pitfalls():
    text = DOC.read_text().split("## Not checked, and why", 1)[1]
    assert len(NOT_CHECKED) == text.count("\n| ") - 2  # header and separator rows
    for fragment in ("memory optimisations one at a time", "GPU architectures", "purge", "inner script outside Slurm"):
        assert fragment in text


def test_quotes_come_from_the_field_notes_when_they_are_available():
    if not NOTES.exists():
        pytest.skip("the field notes live outside the repository")
    notes = " ".join(NOTES.read_text().replace("**", "").split())
    for rule in RULES.values():
        for fragment in re.split(r" \.\.\. | / ", rule.source.removesuffix(" (in that order)")):
            assert " ".join(fragment.split()) in notes, (rule.code, fragment)
