"""The overview: one status line per cluster, where a 1-GPU job would run best, then the jobs
of all clusters in one table."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from hpctui.slurm.models import Snapshot
from hpctui.ui.columns import OVERVIEW_COLUMNS
from hpctui.ui.messages import LinkChanged, SnapshotArrived
from hpctui.ui.queue_model import QueueModel
from hpctui.ui.tabs.cluster import watched_partitions
from hpctui.ui.tabs.queue_pane import PurgeChecked, QueuePane
from hpctui.ui.widgets.allocation_lines import AllocationLines
from hpctui.ui.widgets.job_table import JobTable
from hpctui.ui.widgets.status_line import StatusLine
from hpctui.ui.widgets.where_to_run import WhereToRun

if TYPE_CHECKING:
    from hpctui.services.cluster import Workspace

OVERVIEW_ID = "overview"


class OverviewTab(QueuePane):
    DEFAULT_CSS = """
    OverviewTab > #clusters { height: auto; border-bottom: solid $panel; }
    OverviewTab > WhereToRun { border-bottom: solid $panel; }
    OverviewTab > #jobs-title { height: 1; padding: 0 1; color: $text-muted; }
    """

    def __init__(self, workspace: Workspace, clock: Callable[[], float], keep_finished_s: float) -> None:
        super().__init__("Overview", workspace, clock, id=OVERVIEW_ID)
        self.sessions = list(workspace.sessions.values())
        self.model = QueueModel(OVERVIEW_COLUMNS, keep_finished_s)
        self.lines = {
            s.cluster.name: StatusLine(
                s.cluster.name, s.poller.interval_s, clock, watched=watched_partitions(s), show_name=True
            )
            for s in self.sessions
        }
        self._ranked = False  # the ranking shows the latest snapshots

    def compose(self) -> ComposeResult:
        with Vertical(id="clusters"):
            yield from self.lines.values()
        yield AllocationLines(self.sessions, self.clock)
        yield WhereToRun(self.workspace.config)
        yield Static("Jobs on all clusters", id="jobs-title")
        yield JobTable(self.model)
        yield self.filter_widget()

    def on_mount(self) -> None:
        for session in self.sessions:
            self.lines[session.cluster.name].set_status(session.link.status)
            self.show_snapshot(session.poller.latest)
        self.follow_sessions(self.sessions)

    def on_show(self) -> None:
        super().on_show()
        if not self._ranked:
            self.rank()

    def rank(self) -> None:
        """Rank the partitions now, or when the overview is next shown."""
        self._ranked = bool(self.display)
        if self._ranked:
            self.query_one(WhereToRun).show({s.cluster.name: s.poller.latest for s in self.sessions})

    def on_snapshot_arrived(self, message: SnapshotArrived) -> None:
        self.show_snapshot(message.snapshot)

    def on_link_changed(self, message: LinkChanged) -> None:
        line = self.lines.get(message.status.cluster)
        if line is not None:
            line.set_status(message.status)

    def on_purge_checked(self, message: PurgeChecked) -> None:
        line = self.lines.get(message.outcome.cluster)
        if line is not None:
            line.set_purge(message.outcome.badge, message.outcome.error)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        line = self.lines.get(snapshot.cluster)
        if line is None:
            return
        line.interval_s = self.workspace.session(snapshot.cluster).poller.interval_s
        line.set_snapshot(snapshot)
        self.show_jobs(snapshot)
        self.rank()

    def show_filter_note(self, note: str) -> None:
        self.query_one("#jobs-title", Static).update(
            f"Jobs on all clusters  {note}" if note else "Jobs on all clusters"
        )

    def action_reconnect(self) -> None:
        self.reconnect(self.sessions)

    def action_refresh(self) -> None:
        for session in self.sessions:
            session.poller.refresh_now(nodes=True)
        self.notify("refreshing all clusters", timeout=2, markup=False)
