"""Who is looking decides the pace: full rate for the clusters on screen, the idle pace for the
others, for all while the terminal is unfocused or the keyboard idle; any key brings it back."""

from __future__ import annotations

from hpctui.services.attention import Attention


class Poller:
    def __init__(self) -> None:
        self.watched = True
        self.changes: list[bool] = []

    def set_watched(self, watched: bool) -> None:
        if watched != self.watched:
            self.changes.append(watched)
        self.watched = watched


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def setup() -> tuple[Attention, dict[str, Poller], Clock]:
    pollers = {"alpha": Poller(), "beta": Poller()}
    clock = Clock()
    return Attention(pollers, idle_after_s=300, clock=clock), pollers, clock


def watched(pollers: dict[str, Poller]) -> dict[str, bool]:
    return {name: poller.watched for name, poller in pollers.items()}


def test_only_the_clusters_on_screen_are_watched() -> None:
    attention, pollers, _ = setup()
    attention.look_at(["alpha"])
    assert watched(pollers) == {"alpha": True, "beta": False}
    attention.look_at(["alpha", "beta"])  # the Overview
    assert watched(pollers) == {"alpha": True, "beta": True}


def test_an_unfocused_terminal_slows_every_cluster_and_the_focus_brings_them_back() -> None:
    attention, pollers, _ = setup()
    attention.look_at(["beta"])
    attention.focus(False)
    assert watched(pollers) == {"alpha": False, "beta": False}
    attention.focus(True)
    assert watched(pollers) == {"alpha": False, "beta": True}


def test_five_idle_minutes_slow_everything_and_a_key_brings_the_full_rate_back() -> None:
    attention, pollers, clock = setup()
    attention.look_at(["alpha"])
    clock.now += 299
    attention.tick()
    assert pollers["alpha"].watched
    clock.now += 2
    attention.tick()
    assert watched(pollers) == {"alpha": False, "beta": False}
    attention.input()
    assert watched(pollers) == {"alpha": True, "beta": False}
    assert pollers["alpha"].changes == [False, True]


def test_presence_is_reported_when_it_changes_only() -> None:
    told: list[bool] = []
    clock = Clock()
    attention = Attention({"alpha": Poller()}, idle_after_s=300, clock=clock, on_presence=told.append)
    attention.look_at(["alpha"])
    attention.focus(False)
    attention.focus(False)
    attention.focus(True)
    clock.now += 301
    attention.tick()
    attention.tick()
    attention.input()
    assert told == [False, True, False, True]
