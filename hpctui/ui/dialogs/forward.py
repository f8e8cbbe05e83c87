"""Which port of a job to forward: the configured ports (TensorBoard, Jupyter) as buttons,
or any other; the local port is optional (the same number when free, else any)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from hpctui.errors import UserError
from hpctui.services.tunnels import check_port

KNOWN_PORTS = {6006: "TensorBoard", 8888: "Jupyter", 8265: "Ray", 5678: "debugpy"}


@dataclass(frozen=True)
class PortChoice:
    remote: int
    local: int | None  # None: the same as remote when free, else any


class ForwardDialog(ModalScreen[PortChoice | None]):
    DEFAULT_CSS = """
    ForwardDialog { align: center middle; }
    ForwardDialog > Vertical {
        width: 72; height: auto; border: thick $accent; background: $surface; padding: 1 2;
    }
    ForwardDialog #title { text-style: bold; margin-bottom: 1; }
    ForwardDialog .row { height: auto; margin-bottom: 1; }
    ForwardDialog .row Button { margin-right: 2; }
    ForwardDialog Input { width: 1fr; }
    ForwardDialog #problem { color: $text-error; height: auto; }
    ForwardDialog #buttons { align-horizontal: right; margin: 0; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="back")]

    def __init__(self, title: str, ports: tuple[int, ...]) -> None:
        super().__init__()
        self.title_text = title
        self.ports = ports

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self.title_text), id="title")
            with Horizontal(classes="row"):
                for port in self.ports:
                    label = f"{KNOWN_PORTS[port]} {port}" if port in KNOWN_PORTS else str(port)
                    yield Button(label, id=f"port-{port}", classes="port")
            with Horizontal(classes="row"):
                yield Input(placeholder="another port of the job", id="remote", type="integer")
                yield Input(placeholder="local port (optional)", id="local", type="integer")
            yield Static(id="problem")
            with Horizontal(id="buttons", classes="row"):
                yield Button("Forward", id="forward", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        first = self.query(".port")
        (first.first() if first else self.query_one("#remote", Input)).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        event.stop()
        name = event.button.id or ""
        if name == "cancel":
            self.dismiss(None)
        elif name.startswith("port-"):
            self._choose(name.removeprefix("port-"))
        else:
            self._choose(self.query_one("#remote", Input).value)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._choose(self.query_one("#remote", Input).value)

    def _choose(self, remote_text: str) -> None:
        local_text = self.query_one("#local", Input).value.strip()
        try:
            remote = check_port(_number(remote_text), "the job's port")
            local = check_port(_number(local_text), "the local port", allow_zero=True) if local_text else None
        except UserError as exc:
            self.query_one("#problem", Static).update(Text(str(exc)))
            return
        self.dismiss(PortChoice(remote, local))

    def action_cancel(self) -> None:
        self.dismiss(None)


def _number(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise UserError(f"not a port number: {text.strip()!r}") from None
