"""What a cluster tab and the overview share: a job table with a filter, details, refresh
and the job action keys. Subclasses compose the widgets and follow their sessions.

Attributes come down (the workspace, the clock); requests go up as messages (``DetailsRequested``
here, the job action requests of ``JobActions``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static, TabPane

from hpctui.services.postmortem import final_outcomes
from hpctui.slurm.errors import SlurmProblem
from hpctui.slurm.models import Job, Snapshot
from hpctui.ssh.types import LinkError
from hpctui.ui.columns import ArrayRow, Row
from hpctui.ui.job_actions import JOB_ACTION_BINDINGS, JobActions
from hpctui.ui.messages import LinkChanged, SnapshotArrived
from hpctui.ui.type_ahead import open_field
from hpctui.ui.widgets.job_table import JobTable
from hpctui.ui.widgets.status_line import RETRYABLE, StatusLine
from hpctui.ui.workers import run_guarded

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession, Workspace
    from hpctui.services.purge_watch import PurgeOutcome, PurgeWatch
    from hpctui.ssh.types import LinkStatus


class PurgeChecked(Message):
    """A cluster's purge check ended (a badge, nothing at risk, or why it failed)."""

    bubble = False

    def __init__(self, outcome: PurgeOutcome) -> None:
        super().__init__()
        self.outcome = outcome


def follow(pane: TabPane, session: ClusterSession, watch: PurgeWatch | None) -> list[Callable[[], None]]:
    """Turn a session's snapshot and link callbacks, and its purge checks, into messages to ``pane``."""

    def snapshot_arrived(snapshot: Snapshot) -> None:
        pane.post_message(SnapshotArrived(snapshot))

    def link_changed(status: LinkStatus) -> None:
        pane.post_message(LinkChanged(status))

    def purge_checked(outcome: PurgeOutcome) -> None:
        pane.post_message(PurgeChecked(outcome))

    unsubscribe = [session.poller.subscribe(snapshot_arrived), session.link.subscribe(link_changed)]
    if watch is not None:
        unsubscribe.append(watch.subscribe(purge_checked))
        if watch.latest is not None:
            pane.post_message(PurgeChecked(watch.latest))
    return unsubscribe


ASK_ATTEMPTS = 3  # sacct rounds for a finished job's end (accounting lags by a second or two)


class QueuePane(JobActions, TabPane):
    DEFAULT_CSS = """
    QueuePane { padding: 0; }
    QueuePane > JobTable { height: 1fr; }
    QueuePane > .filter { dock: bottom; display: none; height: 1; background: $panel; }
    QueuePane > .filter.-shown { display: block; }
    QueuePane .filter-label { width: auto; color: $text-muted; padding-left: 1; }
    QueuePane .filter Input { width: 1fr; }
    """

    BINDINGS = [
        Binding("enter", "details", "Details", id="details"),
        # priority: run as the key arrives, before the keys behind it go to the table (see action_filter)
        Binding("slash", "filter", "Filter", id="filter", priority=True),
        Binding("escape", "back", "Clear filter / marks", show=False, id="back"),
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("ctrl+r", "reconnect", "Reconnect", show=False, id="reconnect"),
        *JOB_ACTION_BINDINGS,
    ]

    class DetailsRequested(Message):
        """Show everything the controller knows of ``job``."""

        def __init__(self, session: ClusterSession, job: Job) -> None:
            super().__init__()
            self.session, self.job = session, job

    def __init__(self, title: str, workspace: Workspace, clock: Callable[[], float], *, id: str) -> None:
        super().__init__(title, id=id)
        self.name_text = title
        self.workspace = workspace
        self.clock = clock
        self._unsubscribe: list[Callable[[], None]] = []
        self._behind = False  # the model took snapshots the rows do not show yet
        self._asked: Counter[tuple[str, str]] = Counter()  # sacct rounds per finished job
        self._asking: set[str] = set()  # clusters with a sacct under way

    def show_jobs(self, snapshot: Snapshot) -> None:
        """Take every snapshot into the model (what left the queue while this tab was hidden
        is known as it left); draw the rows now, or when the tab is next shown: a hidden tab
        would spend the 10,000-row work for nothing."""
        self.table.model.take(snapshot.cluster, snapshot.jobs, self.clock())
        self._behind = True
        if self.display:
            self._draw_rows()

    def on_show(self) -> None:
        self._draw_rows()

    def _draw_rows(self) -> None:
        if not self._behind:
            return
        self._behind = False
        model = self.table.model
        self.table.apply(model.rebuild)
        self.update_filter_note()
        self._ask_how_they_ended(model.unexplained())

    def _ask_how_they_ended(self, rows: list[Row]) -> None:
        """Jobs that left the queue: one sacct per cluster says how they ended and with which
        exit code (squeue does not); the rows show ``ENDED?`` until it answers (``ENDED`` while it
        knows no end). Accounting
        lags a little: a job is asked after up to ASK_ATTEMPTS polls, never twice at once."""
        by_cluster: dict[str, list[str]] = {}
        for row in rows:
            if self._asked[row.key] < ASK_ATTEMPTS and row.cluster not in self._asking:
                self._asked[row.key] += 1
                by_cluster.setdefault(row.cluster, []).append(row.job.job_id)
        for cluster, job_ids in by_cluster.items():
            self._asking.add(cluster)
            run_guarded(self, self._show_outcomes(cluster, sorted(job_ids)), f"how jobs ended on {cluster}")

    async def _show_outcomes(self, cluster: str, job_ids: list[str]) -> None:
        try:
            records = await self.workspace.session(cluster).endings.lookup(job_ids)
        except LinkError:  # no link: not an attempt (the rows say ENDED? until it is back)
            self._asked.subtract((cluster, job_id) for job_id in job_ids)
            return
        except SlurmProblem:
            return  # no accounting now: asked again after the next poll
        finally:
            self._asking.discard(cluster)
        model = self.table.model
        self.table.apply(lambda: model.set_outcomes(cluster, job_ids, final_outcomes(records)))

    @property
    def table(self) -> JobTable:
        return self.query_one(JobTable)

    @property
    def filter_bar(self) -> Horizontal:
        return self.query_one(".filter", Horizontal)

    @property
    def filter_input(self) -> Input:
        return self.query_one(".filter Input", Input)

    def filter_widget(self) -> Horizontal:
        return Horizontal(
            Static("filter / ", classes="filter-label"),
            Input(placeholder="text anywhere in the row (enter keeps it, esc clears)", compact=True),
            classes="filter",
        )

    def follow_sessions(self, sessions: list[ClusterSession]) -> None:
        for session in sessions:
            self._unsubscribe += follow(self, session, session.purge_watch)

    def on_unmount(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    def job_targets(self) -> list[tuple[ClusterSession, list[str]]]:
        groups: dict[str, list[str]] = {}
        for row in self.table.targets():
            groups.setdefault(row.cluster, []).append(row.job.job_id)
        return [(self.workspace.session(name), ids) for name, ids in groups.items()]

    def cursor_job(self) -> Job | None:
        row = self.table.cursor_row
        return row.job if row is not None else None

    def show_filter_note(self, note: str) -> None:
        """Where a subclass shows how many rows the filter lets through."""

    # ----- actions ----------------------------------------------------------------------

    def action_details(self) -> None:
        """enter: an array row folds or unfolds its tasks (as enter folds a post-mortem
        job's steps); any other row shows the job's details."""
        row = self.table.cursor_row
        if isinstance(row, ArrayRow):
            self.table.toggle_array()
        elif row is not None:
            self.post_message(self.DetailsRequested(self.workspace.session(row.cluster), row.job))
        else:
            self.say_no_job()

    def reconnect(self, sessions: list[ClusterSession]) -> None:
        """Connect again now (leaving FAILED, or cutting a backoff short) where the link is down."""
        down = [session for session in sessions if session.link.status.state in RETRYABLE]
        for session in down:
            run_guarded(self, session.link.reconnect(), f"reconnect {session.name}")
            self.notify(f"connecting to {session.name}", timeout=3, markup=False)
        if not down:
            self.notify("nothing to reconnect: the link is up or connecting (r refreshes)", timeout=3, markup=False)

    @on(StatusLine.RetryRequested)
    def retry_from_status_line(self, message: StatusLine.RetryRequested) -> None:
        self.reconnect([self.workspace.session(message.cluster)])

    def action_filter(self) -> None:
        open_field(self.filter_bar, self.filter_input)

    def action_back(self) -> None:
        """esc: close the filter, else clear the marks (as lazygit and k9s do)."""
        if self.filter_input.value or self.filter_bar.has_class("-shown"):
            self.filter_input.value = ""
            self.filter_bar.remove_class("-shown")
            self.table.focus()
        elif self.table.clear_marks():
            self.notify("marks cleared", timeout=2, markup=False)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        model = self.table.model
        self.table.apply(lambda: model.set_filter(event.value))
        self.update_filter_note()

    def update_filter_note(self) -> None:
        model = self.table.model
        text = model.filter_text
        self.show_filter_note(f"filter {text!r}: {model.n_shown_jobs} of {model.n_queued} jobs" if text else "")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value:
            self.filter_bar.remove_class("-shown")
        self.table.focus()
