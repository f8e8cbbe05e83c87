"""The audit log: every state-changing command hpctui ran, oldest first, the cursor on the newest."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from hpctui.services.audit import AuditEntry, AuditLog


class AuditScreen(Screen[None]):
    DEFAULT_CSS = """
    AuditScreen #audit-path { padding: 0 1; color: $text-muted; }
    AuditScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("r", "reload", "Reload"),
    ]

    def __init__(self, audit_log: AuditLog) -> None:
        super().__init__()
        self.audit_log = audit_log

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Audit log: {self.audit_log.path}"), id="audit-path")
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_columns("When", "Cluster", "Result", "Command", "Answer")
        yield table
        yield Footer()

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        for index, entry in enumerate(self.audit_log.entries()):
            if str(index) not in table.rows:  # the log is append-only: add what is new
                table.add_row(*_cells(entry), key=str(index))
        table.move_cursor(row=table.row_count - 1)


def _cells(entry: AuditEntry) -> list[Text]:
    style = "" if entry.ok else "bold red"
    return [
        Text(entry.when),
        Text(entry.cluster),
        Text("ok" if entry.ok else "refused" if entry.exit_status is not None else "unconfirmed", style=style),
        Text(entry.command),
        Text(entry.result.replace("\n", " | "), style=style),
    ]
