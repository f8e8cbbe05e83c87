"""A cap on the slurmctld RPCs one piece of work causes in ANY 60 seconds, not on average.

A live view runs sstat (3 RPCs) and GPU steps (2 when one starts, 1 when it completes): at a
steady rate they stay under 4 a minute, but a step starting in the same minute as an sstat
would make 5. ``RpcWindow`` keeps the times of what was spent (and what is planned: a step's
completion at its end of life) and says whether a new cost fits in every 60 s window that
would hold it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

WINDOW_S = 60.0
# A cost is recorded when its command starts; its RPCs reach slurmctld a moment later (srun
# starting takes a second or two): windows are measured this much wider to be sure.
SLACK_S = 5.0


class RpcWindow:
    def __init__(self, budget: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.budget = budget
        self.clock = clock
        self._spent: list[tuple[float, int]] = []  # (time, RPCs), past and planned

    def fits(self, cost: int, at: float | None = None) -> bool:
        """Whether ``cost`` RPCs at ``at`` (now) keep every 60 s window within the budget."""
        at = self.clock() if at is None else at
        span = WINDOW_S + SLACK_S
        nearby = [(t, c) for t, c in self._spent if at - span < t < at + span]
        # The fullest windows holding ``at`` end at ``at`` or at a planned cost after it.
        ends = {at} | {t for t, _ in nearby if t > at}
        return all(cost + sum(c for t, c in nearby if end - span < t <= end) <= self.budget for end in ends)

    def spend(self, cost: int, at: float | None = None) -> None:
        """Record ``cost`` RPCs at ``at`` (now; or later, for a planned one)."""
        at = self.clock() if at is None else at
        self._spent = [(t, c) for t, c in self._spent if t > self.clock() - WINDOW_S - SLACK_S]
        self._spent.append((at, cost))

    def cancel_planned(self) -> None:
        """Forget what was planned for later (a step stopped before its end of life)."""
        now = self.clock()
        self._spent = [(t, c) for t, c in self._spent if t <= now]
