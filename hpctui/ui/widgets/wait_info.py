"""Why a pending job waits and when it may start, in the job details.

- The reason in plain words with what to do (``slurm.reasons``).
- The expected start: the StartTime the scheduler estimated, which the queue poll already
  carries (``squeue --start`` prints the same field), so it costs no RPC of its own and is as
  fresh as the last poll.
- On demand (``load_priority``, the details' ``w``): priority, its factors, the rank among the
  partition's pending jobs and the user's fair-share (sprio, sprio, sshare: one round trip).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from hpctui.format import short_time
from hpctui.slurm.errors import SlurmProblem
from hpctui.slurm.models import Job, Snapshot
from hpctui.slurm.reasons import explain
from hpctui.ssh.types import LinkError
from hpctui.ui.widgets.efficiency_panel import assemble_visible
from hpctui.ui.workers import run_guarded
from hpctui.visible import visible

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession

ASK = "w: priority, rank in the partition and your fair-share (sprio, sshare)"


def expected_start(job: Job, now: datetime) -> str:
    """``expected start 11-30 03:30 (in 18 min)``, or why there is no estimate."""
    if not job.start_time:
        return "no expected start yet (the scheduler estimates one for jobs it could place)"
    try:
        start = datetime.fromisoformat(job.start_time)
    except ValueError:
        return f"expected start {visible(job.start_time)}"
    minutes = round((start - now).total_seconds() / 60)
    when = (
        f"in {minutes} min" if 0 < minutes < 120 else f"in {minutes / 60:.1f} h" if minutes > 0 else "now, any moment"
    )
    return f"expected start {short_time(job.start_time)} ({when}), the scheduler's estimate as of the last poll"


def wait_content(job: Job, now: datetime, priority: str) -> tuple[Content, Content]:
    """The reason's line, and the lines under it (indented by the widget, so a wrapped line
    keeps its indent): what to do, the expected start, the priority or how to ask for it."""
    reason = explain(job.reason, job.job_id)
    head = assemble_visible([("Waiting  ", "bold"), (reason.code, "bold $text-warning"), f": {reason.words}"])
    parts: list[tuple[str, str] | str] = []
    if reason.action:
        parts += [("→ ", "$text-accent"), reason.action, "\n"]
    parts.append(expected_start(job, now))
    for line in (priority or ASK).split("\n"):
        parts += ["\n", (line, "$text-muted")]
    return head, assemble_visible(parts)


class WaitInfo(Vertical):
    """Shown only while the job is pending; follows the poller's snapshots."""

    DEFAULT_CSS = """
    WaitInfo { height: auto; padding: 0 1; display: none; }
    WaitInfo.-pending { display: block; }
    WaitInfo > #wait-more { padding-left: 2; }
    """

    def __init__(self, session: ClusterSession, job: Job | None, now: Callable[[], datetime] = datetime.now) -> None:
        super().__init__()
        self.session = session
        self.job = job
        self.now = now
        self.priority = ""  # the last on-demand report, kept across snapshots
        self._unsubscribe: Callable[[], None] = lambda: None

    def compose(self) -> ComposeResult:
        yield Static(id="wait-reason")
        yield Static(id="wait-more")

    def on_mount(self) -> None:
        self._unsubscribe = self.session.poller.subscribe(self._on_snapshot)
        self.refresh_text()

    def on_unmount(self) -> None:
        self._unsubscribe()

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        if self.job is not None and snapshot.error is None:
            self.job = snapshot.job(self.job.job_id) or self.job
            self.refresh_text()

    def refresh_text(self) -> None:
        pending = self.job is not None and self.job.state == "PENDING"
        self.set_class(pending, "-pending")
        if self.job is not None and pending:
            head, more = wait_content(self.job, self.now(), self.priority)
            self.query_one("#wait-reason", Static).update(head)
            self.query_one("#wait-more", Static).update(more)

    def load_priority(self) -> None:
        """Ask sprio and sshare once (the user pressed w)."""
        if self.job is None or self.job.state != "PENDING":
            self.notify("only a pending job has a priority", timeout=3, markup=False)
            return
        self.priority = "asking sprio and sshare …"
        self.refresh_text()
        run_guarded(self, self._load(self.job), "priority", exclusive=True, group="priority")

    async def _load(self, job: Job) -> None:
        from hpctui.services.priority import fetch_priority

        try:
            report = await fetch_priority(self.session.link, job, self.session.cluster.queue_user)
            self.priority = report.summary()
        except (SlurmProblem, LinkError) as exc:
            self.priority = f"sprio: {exc}"
        self.refresh_text()
