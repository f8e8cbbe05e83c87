"""The notifications of this session, newest first; ``enter`` opens the job's details."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from hpctui.config.model import Notifications
from hpctui.services.notices import TITLES
from hpctui.ui.notices import Received, severity
from hpctui.ui.table_keys import CLOSE_KEYS, TABLE_KEYS, TableKeys, refill
from hpctui.ui.themes import variable_style
from hpctui.visible import visible

REFRESH_S = 1.0
STYLES = {"error": "error", "warning": "warning"}


class NotificationsScreen(TableKeys, Screen[None]):
    DEFAULT_CSS = """
    NotificationsScreen #notices-rules { padding: 0 1; color: $text-muted; }
    NotificationsScreen DataTable { height: 1fr; }
    """
    BINDINGS = [
        *CLOSE_KEYS,
        *TABLE_KEYS,
        # priority: before the table's own enter ("Select"), so ? lists what enter does here
        Binding("enter", "details", "Job details", id="details", priority=True),
    ]

    class JobRequested(Message):
        """The user asked for the details of the job of a notice."""

        def __init__(self, cluster: str, job_id: str) -> None:
            super().__init__()
            self.cluster = cluster
            self.job_id = job_id

    def __init__(self, history: list[Received], rules: Notifications) -> None:
        """``history``: the app's list (newest first), read again every second."""
        super().__init__()
        self.history = history
        self.rules = rules
        self._shown: list[Received] = []

    def compose(self) -> ComposeResult:
        yield Static(Text(describe(self.rules)), id="notices-rules")
        table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
        table.add_column("When", width=8)
        table.add_column("Cluster", width=10)
        table.add_column("Job", width=12)
        table.add_column("Event", width=22)
        table.add_column("Name", width=24)
        table.add_column("Detail")
        yield table
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._refresh()
        self.set_interval(REFRESH_S, self._refresh)

    def _refresh(self) -> None:
        if self.history == self._shown:
            return
        self._shown = list(self.history)
        refill(self.query_one(DataTable), ((self._cells(r), str(index)) for index, r in enumerate(self._shown)))

    def _cells(self, received: Received) -> list[Text]:
        notice = received.notice
        level = STYLES.get(severity(notice))
        style = variable_style(self.app.theme_variables, level, bold=True) if level else ""
        return [
            Text(time.strftime("%H:%M:%S", time.localtime(received.at))),
            Text(notice.cluster),
            Text(visible(notice.job_id)),
            Text(TITLES.get(notice.event, notice.event), style=style),
            Text(visible(notice.job_name)),
            Text(visible(notice.detail)),
        ]

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        """A click on the highlighted row (enter is the screen's own binding)."""
        self.action_details()

    def action_details(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        if not self._shown or table.cursor_row < 0:
            return
        notice = self._shown[table.cursor_row].notice
        self.post_message(self.JobRequested(notice.cluster, notice.job_id))


def describe(rules: Notifications) -> str:
    """The rules in force, in one line, so an empty list is not a mystery."""
    clusters = ", ".join(rules.clusters) or "every cluster"
    jobs = f" named {', '.join(rules.jobs)}" if rules.jobs else ""
    quiet = f"; quiet {rules.quiet_hours}" if rules.quiet_hours else ""
    return f"Notifying {', '.join(rules.events) or 'nothing'} on {clusters}{jobs}{quiet} (config: notifications)"
