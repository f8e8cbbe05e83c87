"""Reconnect delays: exponential backoff with full jitter.

Attempt ``n`` (0-based) waits a uniform random time in ``[0, min(cap, base * 2**n)]``, so
many clients that lost the same login node do not all come back at the same instant.
"""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    def __init__(self, base: float = 1.0, cap: float = 30.0, rand: Callable[[], float] = random.random) -> None:
        self.base = base
        self.cap = cap
        self._rand = rand
        self.attempt = 0

    def ceiling(self, attempt: int) -> float:
        """The largest delay attempt ``attempt`` may wait."""
        return min(self.cap, self.base * 2.0 ** min(attempt, 62))

    def next_delay(self) -> float:
        delay = self._rand() * self.ceiling(self.attempt)
        self.attempt += 1
        return delay

    def reset(self) -> None:
        self.attempt = 0
