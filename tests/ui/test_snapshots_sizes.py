"""Snapshot tests at the sizes people use (80x24, 160x45, 240x60): the queue, the post-mortem,
the help and a bulk confirmation of three marked jobs, on fixed data at a fixed clock.

Update after an intended change with ``pytest tests/ui/test_snapshots_sizes.py --snapshot-update``
and look at the SVGs in ``__snapshots__/`` before committing them.
"""

from __future__ import annotations

import pytest
from test_postmortem_layout import answer_sacct_and_getent

SIZES = [(80, 24), (160, 45), (240, 60)]
IDS = ["80x24", "160x45", "240x60"]


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_queue(snap_compare, make_app, size) -> None:
    """The array 1003 unfolded (its row, then its tasks), the cursor on its first task."""
    assert snap_compare(make_app(), terminal_size=size, press=["j", "j", "enter", "j"])


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_postmortem(snap_compare, make_app, size) -> None:
    """On a job cancelled by its owner: the name, not the uid, and the whole advice."""
    app = make_app()
    answer_sacct_and_getent(app)

    async def open_on_a_cancelled_job(pilot) -> None:
        await pilot.press("p")
        await pilot.pause(0.3)
        await pilot.press("g", *["j"] * 12)  # from the top (it opens on the queue's job)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_on_a_cancelled_job)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_help_at_size(snap_compare, make_app, size) -> None:
    assert snap_compare(make_app(), terminal_size=size, press=["question_mark"])


@pytest.mark.parametrize("size", SIZES, ids=IDS)
def test_bulk_confirmation(snap_compare, make_app, size) -> None:
    """Three marked rows: two jobs and a whole array."""
    assert snap_compare(make_app(), terminal_size=size, press=["space", "space", "space", "c"])
