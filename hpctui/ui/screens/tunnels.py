"""The tunnels of every cluster: where each goes, its URL and state; test or close the one
under the cursor (``d`` also dismisses one closed because its job ended). Tunnels are opened
from a running job (``F``) and all close on exit."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from hpctui.services.tunnels import Tunnel, TunnelManager, TunnelState
from hpctui.ui.table_keys import CLOSE_KEYS, TABLE_KEYS, TableKeys, refill
from hpctui.ui.workers import run_guarded
from hpctui.visible import visible

EMPTY = "No tunnels. On a running job press F to forward a port (TensorBoard, Jupyter ...)."
# Each as wide as what it holds: at 100 columns the connections and the last test stay in view.
COLUMNS = ("Cluster", "Job", "URL", "To", "State", "Conns", "Last test")


class TunnelsScreen(TableKeys, Screen[None]):
    DEFAULT_CSS = """
    TunnelsScreen #tunnels-note { padding: 0 1; color: $text-muted; }
    TunnelsScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        *CLOSE_KEYS,
        *TABLE_KEYS,
        Binding("t", "test", "Test", id="tunnel_test"),
        Binding("d", "close_tunnel", "Close tunnel", id="tunnel_close"),
        Binding("r", "reload", "Reload", id="refresh"),
    ]

    class Changed(Message):
        """A tunnel opened, closed, was tested, or followed its connection."""

    def __init__(self, managers: dict[str, TunnelManager]) -> None:
        super().__init__()
        self.managers = managers
        self.rows: list[Tunnel] = []
        self._unsubscribe: list[Callable[[], None]] = []

    def compose(self) -> ComposeResult:
        yield Static(Text(EMPTY), id="tunnels-note")
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        for title in COLUMNS:
            table.add_column(title)
        yield table
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._unsubscribe = [manager.subscribe(self._post_changed) for manager in self.managers.values()]
        self.action_reload()

    def _post_changed(self, _manager: TunnelManager) -> None:
        self.post_message(self.Changed())

    def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()

    def on_tunnels_screen_changed(self, _message: Changed) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.rows = [tunnel for manager in self.managers.values() for tunnel in manager.tunnels]
        refill(self.query_one(DataTable), ((_cells(tunnel), None) for tunnel in self.rows))
        count = len(self.rows)
        note = EMPTY if not count else f"{count} tunnel{'s' * (count != 1)}: open the URL in a browser on this machine"
        self.query_one("#tunnels-note", Static).update(Text(note))

    def _current(self) -> tuple[TunnelManager, Tunnel] | None:
        """The tunnel under the cursor; on an empty list the key says so instead of nothing."""
        table: DataTable[Text] = self.query_one(DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            self.notify("no tunnel selected", timeout=2, markup=False)
            return None
        tunnel = self.rows[table.cursor_row]
        return self.managers[tunnel.cluster], tunnel

    def action_test(self) -> None:
        if (current := self._current()) is not None:
            manager, tunnel = current
            run_guarded(self, manager.test(tunnel), "tunnel test")

    def action_close_tunnel(self) -> None:
        if (current := self._current()) is not None:
            manager, tunnel = current
            run_guarded(self, manager.close(tunnel), "closing the tunnel")


def _cells(tunnel: Tunnel) -> list[Text]:
    """An open tunnel's problem is what its last test found; any other's says why it is not open."""
    is_open = tunnel.state is TunnelState.OPEN
    state = tunnel.state.value
    if tunnel.problem and not is_open:
        state = f"{state}: {tunnel.problem}"
    return [
        Text(tunnel.cluster),
        Text(tunnel.target.job_id),
        Text(tunnel.url),
        Text(tunnel.destination),
        Text(visible(state), style="" if is_open else "bold"),
        Text(str(tunnel.connections)),
        Text(visible(tunnel.problem) if is_open else ""),
    ]
