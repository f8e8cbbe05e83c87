"""An unknown host key: show the fingerprint and let the human decide; "Reject" has the
focus, so a stray ``enter`` never trusts a key."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from hpctui.ssh.types import HostKeyDecision

BUTTONS = (
    ("accept-once", "Accept once", HostKeyDecision.ACCEPT_ONCE),
    ("accept-save", "Accept and save", HostKeyDecision.ACCEPT_SAVE),
    ("reject", "Reject", HostKeyDecision.REJECT),
)


class HostKeyDialog(ModalScreen[HostKeyDecision]):
    DEFAULT_CSS = """
    HostKeyDialog { align: center middle; }
    HostKeyDialog > Vertical {
        width: 90; max-width: 95%; height: auto;
        border: thick $warning; background: $surface; padding: 1 2;
    }
    HostKeyDialog #title { text-style: bold; margin-bottom: 1; }
    HostKeyDialog #fingerprint { background: $boost; padding: 0 1; margin: 1 0; }
    HostKeyDialog #advice { color: $text-muted; }
    HostKeyDialog Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    HostKeyDialog Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "reject", "Reject", id="reject_host_key")]

    def __init__(self, cluster: str, host: str, key_type: str, fingerprint: str) -> None:
        super().__init__()
        self.cluster = cluster
        self.host = host
        self.key_type = key_type
        self.fingerprint = fingerprint

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"{self.cluster}: unknown host key", id="title", markup=False)
            yield Static(Content(f"The host {self.host} presented a {self.key_type} key that is not in known_hosts."))
            yield Static(Content(self.fingerprint), id="fingerprint")
            yield Static(
                "Compare it with the fingerprint your site publishes before you accept.",
                id="advice",
                markup=False,
            )
            with Horizontal():
                for button_id, label, _ in BUTTONS:
                    yield Button(label, id=button_id, variant="error" if button_id == "reject" else "default")

    def on_mount(self) -> None:
        self.query_one("#reject", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(next(decision for button_id, _, decision in BUTTONS if button_id == event.button.id))

    def action_reject(self) -> None:
        self.dismiss(HostKeyDecision.REJECT)
