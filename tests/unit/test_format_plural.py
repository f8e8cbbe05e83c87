"""format.plural: a count and its noun, singular only for exactly one."""

from __future__ import annotations

from hpctui.format import plural


def test_one_is_singular_and_every_other_count_plural():
    assert [plural(n, "line") for n in (0, 1, 2)] == ["0 lines", "1 line", "2 lines"]
    assert plural(12_345, "line") == "12,345 lines"
