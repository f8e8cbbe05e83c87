"""Fixtures of the UI tests: the app on deterministic data (ui_fakes) at a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import ui_fakes

from hpctui.ui.app import HpcApp


@pytest.fixture
def make_app() -> Callable[..., HpcApp]:
    """Local state (the resubmit history the details screen reads) is the test's own empty HOME
    (the ``fresh_home`` fixture)."""

    def make(workspace: Any = None, **config: Any) -> HpcApp:
        workspace = workspace or ui_fakes.workspace(**config)
        return HpcApp(workspace.config, workspace, clock=lambda: ui_fakes.NOW)

    return make
