"""Callbacks told of each new value (a link's status, a poll, a purge check, the tunnels), for
every layer: one that fails is logged and the others still hear."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


class Subscribers(Generic[T]):
    def __init__(self, what: str) -> None:
        self.what = what  # names the publisher in the log: "alpha: link status"
        self._callbacks: list[Callable[[T], None]] = []

    def add(self, callback: Callable[[T], None]) -> Callable[[], None]:
        """Call ``callback`` with every value published; returns the function that stops it."""
        self._callbacks.append(callback)

        def remove() -> None:
            with contextlib.suppress(ValueError):
                self._callbacks.remove(callback)

        return remove

    def publish(self, value: T) -> None:
        for callback in list(self._callbacks):
            try:
                callback(value)
            except Exception:  # a broken subscriber must not take the publisher down
                log.exception("%s: subscriber failed", self.what)
