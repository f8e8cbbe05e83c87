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

from hpctui.slurm.commands import split_env_prefix
from hpctui.visible import visible


class ConfirmDialog(ModalScreen[bool]):
    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical {
        width: 90%; max-width: 120; height: auto; max-height: 80%;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmDialog #title { text-style: bold; margin-bottom: 1; }
    ConfirmDialog #jobs { height: auto; max-height: 4; margin-bottom: 1; }
    ConfirmDialog .job { text-wrap: nowrap; text-overflow: ellipsis; }
    ConfirmDialog #commands { height: auto; max-height: 50vh; background: $boost; padding: 0 1; }
    ConfirmDialog .command { width: 1fr; }
    ConfirmDialog .prefix { color: $text-muted; margin-top: 1; }
    ConfirmDialog #notes { margin-top: 1; color: $text-muted; }
    ConfirmDialog Horizontal { dock: bottom; height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmDialog Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("y", "answer(True)", "Yes, run", id="confirm_yes"),
        Binding("n", "answer(False)", "No", id="confirm_no"),
        Binding("escape", "answer(False)", "Cancel", show=False, id="back"),
        Binding("down,j", "scroll_commands(1)", "Down", show=False, id="down"),
        Binding("up,k", "scroll_commands(-1)", "Up", show=False, id="up"),
        Binding("pagedown", "scroll_commands(10)", "Page down", show=False, id="page_down"),
        Binding("pageup", "scroll_commands(-10)", "Page up", show=False, id="page_up"),
    ]

    def __init__(self, title: str, commands: list[str], notes: str = "", summary: list[str] | None = None) -> None:
        """``summary``: one line per job (id, name, state) shown before the exact commands
        (each cut to one line, in a box of a few lines that scrolls apart from them)."""
        super().__init__()
        self.title_text = title
        self.commands = list(commands)
        self.notes = notes
        self.summary = list(summary or [])

    def compose(self) -> ComposeResult:
        prefix = shared_prefix(self.commands)
        with Vertical():
            yield Static(Text(self.title_text), id="title")
            if self.summary:  # scrolls on its own: the commands below always show
                with VerticalScroll(id="jobs"):
                    for line in self.summary:
                        yield Static(Text(visible(line), no_wrap=True, overflow="ellipsis"), classes="job")
            with VerticalScroll(id="commands"):  # the commands first, their shared prefix after
                for command in self.commands:
                    yield Static(Text(command[len(prefix) :], no_wrap=False), classes="command")
                if prefix:
                    yield Static(Text(f"each command runs as: {prefix}COMMAND", style="italic"), classes="prefix")
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

    def action_scroll_commands(self, lines: int) -> None:
        """The buttons keep the focus (No by default); the keys scroll the commands above them."""
        commands = self.query_one("#commands", VerticalScroll)
        commands.scroll_to(y=commands.scroll_y + lines, animate=False)

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


def shared_prefix(commands: list[str]) -> str:
    """The ``env -u ...`` prefix every command has (shown once, not per job), or ""."""
    prefixes = {split_env_prefix(command)[0] for command in commands}
    return prefixes.pop() if len(prefixes) == 1 and len(commands) > 1 else ""


async def confirm(
    app: App[Any], title: str, commands: list[str], notes: str = "", summary: list[str] | None = None
) -> bool:
    """Show the dialog and wait for the answer. Must run in a worker: key bindings run on the
    app's own loop, so awaiting the answer there would block the very key that answers."""
    dialog: Screen[Any] = ConfirmDialog(title, commands, notes, summary)
    return bool(await app.push_screen_wait(dialog))
