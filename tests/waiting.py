"""Waiting in tests for what happens in the background: by the clock, never by a count of
pauses (a loaded CI machine makes every pause longer), and failing with what was awaited."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


async def eventually(
    predicate: Callable[[], Any],
    timeout: float = 30,
    step: float = 0.05,
    *,
    what: str = "the condition",
    pause: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> Any:
    """``predicate()``'s first true value, asked every ``step`` s for up to ``timeout`` s and
    once more after the last pause; ``pause`` waits between asks (a Textual pilot's ``pause``
    lets the app work meanwhile)."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not seen within {timeout} s")
        await pause(step)
    return value


async def wait_for(pilot: Any, predicate: Callable[[], Any], timeout: float = 30, step: float = 0.05) -> Any:
    """``eventually`` in a Textual test: the app works between asks."""
    return await eventually(predicate, timeout, step, pause=pilot.pause)
