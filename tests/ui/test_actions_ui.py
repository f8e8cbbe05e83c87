"""The confirm dialog shows the exact commands; only ``y`` (or the Yes button) confirms."""

from __future__ import annotations

import pytest
from textual.app import App
from textual.widgets import Static

from hpctui.ui.dialogs.confirm import ConfirmDialog, confirm

COMMANDS = ["scancel -- 1042", "scancel -- '1043_[1-5]'"]


class DialogApp(App[None]):
    """Asks on ``x`` from a worker, as the queue view does."""

    BINDINGS = [("x", "ask", "")]

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[bool] = []

    def action_ask(self) -> None:
        self.run_worker(self._ask())

    async def _ask(self) -> None:
        self.answers.append(await confirm(self, "Cancel 2 jobs on alpha?", COMMANDS))


async def answer_with(keys: list[str]) -> tuple[list[str], list[bool]]:
    app = DialogApp()
    async with app.run_test() as pilot:
        await pilot.press("x")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        shown = [str(w.render()) for w in dialog.query(".command").results(Static)]
        await pilot.press(*keys)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
    return shown, app.answers


@pytest.mark.parametrize("keys", [["n"], ["escape"], ["enter"], ["tab", "shift+tab", "enter"]])
async def test_abort_keys_show_exact_commands_and_answer_no(keys: list[str]) -> None:
    shown, answers = await answer_with(keys)
    assert shown == COMMANDS
    assert answers == [False]


async def test_y_confirms() -> None:
    _, answers = await answer_with(["y"])
    assert answers == [True]
