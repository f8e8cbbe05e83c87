"""A yes/no modal that shows the exact remote commands about to run.

"No" has the focus, so a stray ``enter`` aborts; ``y`` confirms, ``n`` and ``esc`` abort.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Static


class ConfirmDialog(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical {
        width: 90%; max-width: 120; height: auto; max-height: 80%;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmDialog #title { text-style: bold; margin-bottom: 1; }
    ConfirmDialog #commands { height: auto; max-height: 20; background: $boost; padding: 0 1; }
    ConfirmDialog .command { width: 1fr; }
    ConfirmDialog #notes { margin-top: 1; color: $text-muted; }
    ConfirmDialog Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmDialog Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes, run", id="confirm_yes"),
        Binding("n", "answer(False)", "No", id="confirm_no"),
        Binding("escape", "answer(False)", "Cancel", show=False, id="back"),
    ]

    def __init__(self, title: str, commands: list[str], notes: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.commands = list(commands)
        self.notes = notes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), id="title")
            with VerticalScroll(id="commands"):
                for command in self.commands:
                    yield Static(Text(command, no_wrap=False), classes="command")
            if self.notes:
                yield Static(Text(self.notes), id="notes")
            with Horizontal():
                yield Button("No", id="no", variant="primary")
                yield Button("Yes (y)", id="yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


async def confirm(app: App[Any], title: str, commands: list[str], notes: str = "") -> bool:
    """Show the dialog and wait for the answer. Must run in a worker: key bindings run on the
    app's own loop, so awaiting the answer there would block the very key that answers."""
    dialog: Screen[Any] = ConfirmDialog(title, commands, notes)
    return bool(await app.push_screen_wait(dialog))
