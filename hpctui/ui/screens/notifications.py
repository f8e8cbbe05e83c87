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
from hpctui.ui.columns import FitColumn, fitted
from hpctui.ui.notices import Received, severity
from hpctui.ui.table_keys import CLOSE_KEYS, TABLE_KEYS, TableKeys, refill, set_columns
from hpctui.ui.themes import variable_style
from hpctui.visible import visible

REFRESH_S = 1.0
STYLES = {"error": "error", "warning": "warning"}


FIT_COLUMNS = (
    FitColumn("When", 8),
    FitColumn("Cluster", 10, min_width=5),
    FitColumn("Job", 12, min_width=8),
    FitColumn("Event", 22, min_width=14),
    FitColumn("Name", 24, min_width=8),
    FitColumn("Detail", 16, flex=True, max_width=400),
)
# A narrow screen cuts the name first, then the event's words, the cluster and the job id.
FIT_STEPS = (("shrink", "Name"), ("shrink", "Event"), ("shrink", "Cluster"), ("shrink", "Job"), ("drop", "When"))


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
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True)

    def on_resize(self) -> None:
        """Fit the columns to the new width; the detail keeps some room even at 80 columns."""
        if set_columns(self.query_one(DataTable), fitted(FIT_COLUMNS, FIT_STEPS, self.size.width)):
            self._shown = []  # the rows go in again
            self._refresh()

    def on_mount(self) -> None:
        self._refresh()
        self.set_interval(REFRESH_S, self._refresh)

    def _refresh(self) -> None:
        if self.history == self._shown or not self.query_one(DataTable).columns:  # laid out on the first resize
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
