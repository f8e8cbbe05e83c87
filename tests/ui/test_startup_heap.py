"""What the start-up imports is frozen out of the garbage collector's reach before the app
builds its first frame (``hpctui.cmd.tui.import_app``): full collections then skip it."""

from __future__ import annotations

import gc

from hpctui.cmd.tui import import_app


def test_importing_the_app_freezes_what_was_imported() -> None:
    gc.unfreeze()
    try:
        module = import_app()
        assert module.HpcApp.__name__ == "HpcApp"
        assert gc.get_freeze_count() > 10_000  # the modules, classes and functions of the imports
        assert gc.isenabled()
    finally:
        gc.unfreeze()
