"""The subscribe/publish half of the fakes of a link and a poller: ``subscribe`` as they offer
it, ``publish`` tells every listener; ``callbacks`` shows who still listens (tests check that
everyone left)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Publisher:
    def __init__(self) -> None:
        self.callbacks: list[Callable[[Any], None]] = []

    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        self.callbacks.append(callback)
        return lambda: self.callbacks.remove(callback)

    def publish(self, value: Any) -> None:
        for callback in list(self.callbacks):
            callback(value)
