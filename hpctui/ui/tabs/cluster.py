"""One cluster's tab: status line, live queue, GPU board."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult

from hpctui.slurm.models import Snapshot
from hpctui.ui.columns import JOB_COLUMNS
from hpctui.ui.messages import LinkChanged, SnapshotArrived
from hpctui.ui.queue_model import QueueModel
from hpctui.ui.tabs.queue_pane import PurgeChecked, QueuePane
from hpctui.ui.widgets.gpu_board import GpuBoard
from hpctui.ui.widgets.job_table import JobTable
from hpctui.ui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession, Workspace


def pane_id(cluster: str) -> str:
    """A DOM id for a cluster's tab (cluster names may hold characters ids may not)."""
    return "cluster-" + re.sub(r"[^A-Za-z0-9_-]", "_", cluster)


def watched_partitions(session: ClusterSession) -> tuple[str, ...]:
    return tuple(p.name for p in session.cluster.partitions if p.gpu_type)


class ClusterTab(QueuePane):
    def __init__(
        self, session: ClusterSession, workspace: Workspace, clock: Callable[[], float], keep_finished_s: float
    ) -> None:
        super().__init__(session.cluster.name, workspace, clock, id=pane_id(session.cluster.name))
        self.session = session
        self.model = QueueModel(JOB_COLUMNS, keep_finished_s)

    def compose(self) -> ComposeResult:
        yield StatusLine(self.session.cluster.name, self.session.poller.interval_s, self.clock)
        yield JobTable(self.model)
        yield GpuBoard(watched_partitions(self.session))
        yield self.filter_widget()

    def on_mount(self) -> None:
        self.query_one(StatusLine).set_status(self.session.link.status)
        self.show_snapshot(self.session.poller.latest)
        self.follow_sessions([self.session])

    def on_snapshot_arrived(self, message: SnapshotArrived) -> None:
        self.show_snapshot(message.snapshot)

    def on_link_changed(self, message: LinkChanged) -> None:
        self.query_one(StatusLine).set_status(message.status)

    def on_purge_checked(self, message: PurgeChecked) -> None:
        self.query_one(StatusLine).set_purge(message.outcome.badge, message.outcome.error)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.show_jobs(snapshot)
        status = self.query_one(StatusLine)
        status.interval_s = self.session.poller.interval_s
        status.set_snapshot(snapshot)
        self.query_one(GpuBoard).show(snapshot)

    def show_filter_note(self, note: str) -> None:
        self.query_one(StatusLine).set_note(note)

    def action_refresh(self) -> None:
        self.session.poller.refresh_now(nodes=True)
        self.notify(f"refreshing {self.session.cluster.name}", timeout=2, markup=False)

    def action_reconnect(self) -> None:
        self.reconnect([self.session])

    def job_session(self) -> ClusterSession:
        return self.session
