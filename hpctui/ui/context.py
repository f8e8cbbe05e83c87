"""What the UI's parts may read from the app, typed without importing the app (no import circle).

Widgets get what they need as attributes when they are built; the palette providers, which
Textual builds itself, read it from the app through this Protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from textual.app import App

    from hpctui.config.model import Config
    from hpctui.services.cluster import Workspace


class UiContext(Protocol):
    config: Config
    workspace: Workspace
    clock: Callable[[], float]


def context(app: App[object]) -> UiContext:
    """``app`` as the typed context it is (the one app class implements UiContext)."""
    return cast("UiContext", app)
