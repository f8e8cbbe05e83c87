"""What the start-up imports is frozen out of the garbage collector's reach before the app
builds its first frame (``hpctui.cmd.tui.import_app``): full collections then skip it. The
collector is off while the start-up runs, and on again once the first frame is shown or the
start failed."""

from __future__ import annotations

import argparse
import asyncio
import gc
from pathlib import Path
from types import SimpleNamespace

import pytest

from hpctui.cmd import tui
from hpctui.cmd.tui import import_app
from hpctui.errors import UserError


def test_importing_the_app_freezes_what_was_imported() -> None:
    gc.unfreeze()
    try:
        module = import_app()
        assert module.HpcApp.__name__ == "HpcApp"
        assert gc.get_freeze_count() > 10_000  # the modules, classes and functions of the imports
        assert gc.isenabled()
    finally:
        gc.unfreeze()


def test_a_config_that_fails_leaves_the_collector_on(tmp_path: Path) -> None:
    bad = tmp_path / "config.yaml"
    bad.write_text("clusters: [\n")
    with pytest.raises(UserError, match="config.yaml"):
        tui.run(argparse.Namespace(config=str(bad), theme=None))
    assert gc.isenabled()


async def test_the_collector_is_off_until_the_first_frame_is_on_screen() -> None:
    app = SimpleNamespace(shown=asyncio.Event())
    gc.disable()
    try:
        waiting = asyncio.create_task(tui._collect_once_shown(app))  # type: ignore[arg-type]
        await asyncio.sleep(0.01)
        assert not gc.isenabled()
        app.shown.set()
        await waiting
        assert gc.isenabled()
    finally:
        gc.enable()
