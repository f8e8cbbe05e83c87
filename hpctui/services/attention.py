"""Who is looking: the clusters on screen poll at their full rate, the others at the idle pace.

A cluster counts as looked at while its tab (or the Overview, which shows them all) is on
screen, the terminal has the focus and a key was pressed within ``idle_after_s``. Any key, or
the focus coming back, brings the full rate back at once (with an immediate poll).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol


class Paced(Protocol):
    def set_watched(self, watched: bool) -> None: ...


class Attention:
    """The owner is the UI; it reports what is on screen, the focus and the keys."""

    def __init__(
        self,
        pollers: Mapping[str, Paced],
        idle_after_s: float,
        clock: Callable[[], float] = time.monotonic,
        on_presence: Callable[[bool], None] = lambda present: None,
    ) -> None:
        self._pollers = pollers
        self._idle_after_s = idle_after_s
        self._clock = clock
        self._on_screen = set(pollers)
        self._focused = True
        self._last_input = clock()
        self._on_presence = on_presence  # told when ``present()`` changes
        self._present = True

    def look_at(self, names: Iterable[str]) -> None:
        """These clusters are on screen now (a tab was switched)."""
        self._on_screen = set(names)
        self._apply()

    def focus(self, focused: bool) -> None:
        """The terminal gained or lost the focus."""
        self._focused = focused
        if focused:
            self._last_input = self._clock()
        self._apply()

    def input(self) -> None:
        """A key or a click: the user is here."""
        idle = self._idle()
        self._last_input = self._clock()
        if idle:
            self._apply()

    def tick(self) -> None:
        """Now and then: notices that the keyboard went idle."""
        self._apply()

    def present(self) -> bool:
        return self._focused and not self._idle()

    def _idle(self) -> bool:
        return self._clock() - self._last_input >= self._idle_after_s

    def _apply(self) -> None:
        present = self.present()
        for name, poller in self._pollers.items():
            poller.set_watched(present and name in self._on_screen)
        if present != self._present:
            self._present = present
            self._on_presence(present)
