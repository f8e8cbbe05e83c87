"""RpcWindow: no 60 s window ever holds more than the budget, planned costs included."""

from __future__ import annotations

import random

from hpctui.services.rpc_window import RpcWindow


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_step_and_an_sstat_do_not_share_a_minute() -> None:
    clock = Clock()
    window = RpcWindow(4, clock)
    window.spend(2)  # a step starts
    window.spend(1, at=600.0)  # and completes at its end of life
    assert not window.fits(3)
    clock.now = 64.9  # 60 s and a margin for the step's RPCs to arrive after its start
    assert not window.fits(3)
    clock.now = 65.1
    assert window.fits(3)


def test_a_cost_that_would_crowd_a_planned_one_waits() -> None:
    clock = Clock()
    window = RpcWindow(4, clock)
    window.spend(1, at=100.0)  # a step's planned completion
    clock.now = 50.0
    assert window.fits(3)  # 3 now + 1 at 100: 4 in the minute (with margin) from 36 to 101
    window.spend(3)
    clock.now = 90.0
    assert not window.fits(1)  # 3 at 50, 1 at 90 and 1 at 100 in the minute from 41 to 101
    window.cancel_planned()
    assert window.fits(1)


def test_random_spending_never_overfills_any_minute() -> None:
    rng = random.Random(7)
    clock = Clock()
    window = RpcWindow(4, clock)
    spent: list[tuple[float, int]] = []
    while clock.now < 3600:
        clock.now += rng.uniform(0.1, 20)
        cost = rng.choice([1, 2, 3])
        if window.fits(cost):
            window.spend(cost)
            spent.append((clock.now, cost))
    assert len(spent) > 100
    for start, _ in spent:  # the fullest windows start at a spending
        assert sum(c for t, c in spent if start <= t < start + 60) <= 4
