"""A new interactive allocation: partition, time limit and GPUs; the exact ``salloc`` command
is shown as it will run, and only a command the builder accepts can be started."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from hpctui.config.model import Cluster
from hpctui.errors import UserError
from hpctui.slurm.interactive import salloc_command

DEFAULT_TIME = "1:00:00"


class AllocateDialog(ModalScreen[str | None]):
    """Dismissed with the ``salloc`` command to run, or None."""

    DEFAULT_CSS = """
    AllocateDialog { align: center middle; }
    AllocateDialog > Vertical {
        width: 80; height: auto; border: thick $accent; background: $surface; padding: 1 2;
    }
    AllocateDialog #title { text-style: bold; margin-bottom: 1; }
    AllocateDialog .row { height: auto; }
    AllocateDialog Label { width: 12; padding-top: 1; }
    AllocateDialog Input { width: 1fr; }
    AllocateDialog #command { background: $boost; padding: 0 1; margin-top: 1; height: auto; }
    AllocateDialog #command.-invalid { color: $text-error; }
    AllocateDialog #buttons { align-horizontal: right; margin-top: 1; }
    AllocateDialog #buttons Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="back")]

    def __init__(self, cluster: Cluster) -> None:
        super().__init__()
        self.cluster = cluster

    def compose(self) -> ComposeResult:
        partitions = [p.name for p in self.cluster.partitions]
        gpu = next((p for p in self.cluster.partitions if p.gpu_type), None)
        first = gpu.name if gpu else (partitions[0] if partitions else "")
        with Vertical():
            yield Static(Text(f"A shell in a new allocation on {self.cluster.name}"), id="title")
            with Horizontal(classes="row"):
                yield Label("Partition")
                yield Input(first, placeholder=", ".join(partitions) or "partition", id="partition")
            with Horizontal(classes="row"):
                yield Label("Time")
                yield Input(DEFAULT_TIME, placeholder="minutes, HH:MM:SS or D-HH:MM", id="time")
            with Horizontal(classes="row"):
                yield Label("GPUs")
                yield Input("1" if gpu else "0", id="gpus", type="integer")
            yield Static(id="command")
            with Horizontal(id="buttons", classes="row"):
                yield Button("Cancel", id="cancel")
                yield Button("Start", id="start", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#partition", Input).focus()
        self._show_command()

    def command(self) -> str:
        """The salloc the fields give; UserError saying what is wrong with them."""
        value = {name: self.query_one(f"#{name}", Input).value.strip() for name in ("partition", "time", "gpus")}
        try:
            gpus = int(value["gpus"] or "0")
        except ValueError:
            raise UserError(f"GPUs: not a number: {value['gpus']!r}") from None
        return salloc_command(value["partition"], value["time"], gpus)

    @on(Input.Changed)
    def _show_command(self) -> None:
        shown = self.query_one("#command", Static)
        try:
            text, invalid = f"$ {self.command()}", False
        except UserError as exc:
            text, invalid = str(exc), True
        shown.update(Text(text))
        shown.set_class(invalid, "-invalid")

    @on(Input.Submitted)
    @on(Button.Pressed, "#start")
    def start(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        try:
            command = self.command()
        except UserError:
            return  # the reason is on screen already
        self.dismiss(command)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
