"""format.some_ids: a log line names a few job ids and counts the rest."""

from __future__ import annotations

from hpctui.format import some_ids


def test_a_few_ids_are_listed_and_the_rest_counted():
    assert some_ids(["1", "2"]) == "1, 2"
    assert some_ids([str(n) for n in range(5)]) == "0, 1, 2, 3, 4"
    assert some_ids([str(n) for n in range(500)]) == "0, 1, 2, 3, 4 and 495 more"
