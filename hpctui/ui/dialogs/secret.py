"""Asks for a one-time code, a password or a key passphrase; ``esc`` aborts (None)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from hpctui.visible import visible


class SecretDialog(ModalScreen[str | None]):
    DEFAULT_CSS = """
    SecretDialog { align: center middle; }
    SecretDialog > Vertical {
        width: 72; max-width: 95%; height: auto;
        border: thick $accent; background: $surface; padding: 1 2;
    }
    SecretDialog #title { text-style: bold; }
    SecretDialog #prompt { margin: 1 0; }
    SecretDialog Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    SecretDialog Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "abort", "Abort", id="abort_prompt")]

    def __init__(self, title: str, prompt: str, *, echo: bool = False) -> None:
        super().__init__()
        self.title_text = title
        self.prompt = prompt
        self.echo = echo

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, id="title", markup=False)
            yield Static(visible(self.prompt, newlines=True), id="prompt", markup=False)
            yield Input(password=not self.echo, id="answer")
            with Horizontal():
                yield Button("OK", variant="primary", id="ok")
                yield Button("Abort", id="abort")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(self.query_one(Input).value if event.button.id == "ok" else None)

    def action_abort(self) -> None:
        self.dismiss(None)
