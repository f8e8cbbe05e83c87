"""Fixtures of the UI tests: the app on deterministic data (ui_fakes) at a fixed clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import ui_fakes

from hpctui.ui.app import HpcApp


@pytest.fixture
def make_app(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Callable[..., HpcApp]:
    # Local state (the resubmit history the details screen reads) from an empty directory.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))

    def make(workspace: Any = None, **config: Any) -> HpcApp:
        workspace = workspace or ui_fakes.workspace(**config)
        return HpcApp(workspace.config, workspace, clock=lambda: ui_fakes.NOW)

    return make
