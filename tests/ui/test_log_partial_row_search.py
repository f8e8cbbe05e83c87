"""The partial last row (a line without its newline yet: a job's last words printed with
``printf``, a final tqdm bar) is shown, so search finds it too (found by a hostile review)."""

from __future__ import annotations

import pytest
from tail_helpers import link, served, server  # noqa: F401 (fixtures)
from test_log import Logs, open_log, shown, until

from hpctui.ui.widgets.log_view import LogView

SIZE = (120, 40)


@pytest.fixture
def logs(tmp_path, link) -> Logs:  # noqa: F811
    return Logs(tmp_path, link)


async def test_search_finds_the_text_of_the_partial_last_row(logs: Logs) -> None:
    """The job ended with ``printf 'RESULT 0.93'``: the row is shown (and highlighted as a
    match), so ``/RESULT`` must go to it, not say "not found"."""
    logs.stdout.write_text("start\nepoch 1\nRESULT 0.93")
    async with logs.app.run_test(size=SIZE) as pilot:
        screen = await open_log(pilot, logs)
        view = screen.query_one(LogView)
        await until(pilot, lambda: shown(view) == ["start", "epoch 1", "RESULT 0.93"])
        await pilot.press("slash", *"RESULT", "enter")
        await pilot.pause()
        assert view.current is not None, "search says 'not found: RESULT' for a row on screen"
