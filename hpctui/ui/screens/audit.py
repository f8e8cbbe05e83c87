"""The audit log: every state-changing command hpctui ran, oldest first, the cursor on the newest;
each row says what it did, verb first (``cancel 123 (alpha)``), and what happened (``held``, or
Slurm's refusal); the highlighted entry is shown in full below the table."""

from __future__ import annotations

from collections.abc import Mapping

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from hpctui.services.audit import AuditEntry, AuditLog
from hpctui.slurm.commands import without_env_prefix
from hpctui.ui.table_keys import CLOSE_KEYS, TABLE_KEYS, TableKeys
from hpctui.ui.themes import variable_style
from hpctui.visible import visible


class AuditScreen(TableKeys, Screen[None]):
    DEFAULT_CSS = """
    AuditScreen #audit-path { padding: 0 1; color: $text-muted; }
    AuditScreen DataTable { height: 1fr; }
    AuditScreen #entry { height: auto; max-height: 12; padding: 0 1; background: $boost; }
    """
    BINDINGS = [
        *CLOSE_KEYS,
        *TABLE_KEYS,
        Binding("r", "reload", "Reload", id="refresh"),
    ]

    def __init__(self, audit_log: AuditLog) -> None:
        super().__init__()
        self.audit_log = audit_log
        self.entries: list[AuditEntry] = []

    def compose(self) -> ComposeResult:
        yield Static(Text(f"Audit log: {self.audit_log.path}"), id="audit-path")
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_column("When", width=19)
        table.add_column("Action", width=30)
        table.add_column("Answer", width=36)
        table.add_column("Command")
        yield table
        yield Static(id="entry")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        self.entries = self.audit_log.entries()
        for index, entry in enumerate(self.entries):
            if str(index) not in table.rows:  # the log is append-only: add what is new
                table.add_row(*_cells(entry, self.app.theme_variables), key=str(index))
        table.move_cursor(row=table.row_count - 1)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key is None or event.row_key.value is None:  # an empty log: nothing highlighted
            return
        entry = self.entries[int(event.row_key.value)]
        said = entry.result if entry.result.strip() != "done" else ""  # Slurm's own words, when it said any
        text = Content.assemble(
            (visible(f"{entry.when}  {entry.action}: {entry.answer}") + "\n", "bold"),
            f"$ {visible(entry.command)}\n",
            (visible(said, newlines=True), "" if entry.ok else "$text-error"),
        )
        self.query_one("#entry", Static).update(text)


def _cells(entry: AuditEntry, variables: Mapping[str, str]) -> list[Text]:
    style = Style() if entry.ok else variable_style(variables, "error", bold=True)
    return [
        Text(entry.when),
        Text(visible(entry.action)),
        Text(visible(entry.answer), style=style),
        Text(visible(without_env_prefix(entry.command))),
    ]
