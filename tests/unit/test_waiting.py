"""tests/waiting.py: a wait by the clock looks once more after its last pause, however long
that pause took on a loaded machine."""

from __future__ import annotations

import asyncio

import pytest
from waiting import eventually


async def test_a_condition_met_during_the_last_pause_is_seen() -> None:
    seen: list[bool] = []

    async def slow_pause(_step: float) -> None:  # the machine is busy: the pause outlasts the timeout
        await asyncio.sleep(0.05)
        seen.append(True)

    assert await eventually(lambda: seen, timeout=0.01, pause=slow_pause) == [True]


async def test_a_condition_never_met_fails_with_what_was_awaited() -> None:
    with pytest.raises(AssertionError, match="the tail: not seen within 0.01 s"):
        await eventually(lambda: False, timeout=0.01, step=0.001, what="the tail")
