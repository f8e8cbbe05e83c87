"""The job action keys, shared by the queue views and the job details screen.

A class that mixes ``JobActions`` in adds ``JOB_ACTION_BINDINGS`` to its ``BINDINGS`` and says
which jobs the keys act on (``job_targets``). The keys post messages (defined here); the app
handles them with ``@on`` and opens the screen or flow behind each. Nothing here calls the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.message import Message

from hpctui.visible import visible

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from hpctui.services.cluster import ClusterSession
    from hpctui.slurm.models import Job

NO_JOB = "no job under the cursor"  # what a job key says on an empty list (k9s, lazygit)

JOB_ACTION_BINDINGS = [
    Binding("c", "job_action('cancel')", "Cancel", id="cancel"),
    Binding("R", "job_action('requeue')", "Requeue", show=False, id="requeue"),
    Binding("H", "job_action('hold')", "Hold", show=False, id="hold"),
    Binding("U", "job_action('release')", "Release", show=False, id="release"),
    Binding("s", "resubmit", "Resubmit", show=False, id="resubmit"),
    Binding("l", "log('stdout')", "Log", id="log"),
    Binding("e", "log('stderr')", "Stderr", show=False, id="log_stderr"),
    Binding("p", "postmortem", "Post-mortem", show=False, id="postmortem"),
    Binding("F", "forward", "Forward a port", show=False, id="forward"),
    Binding("x", "shell", "Shell in job", show=False, id="shell"),
    Binding("A", "allocate", "Shell in a new allocation", show=False, id="allocate"),
]


class JobActions:
    """Mixin for a Widget or Screen: the action keys post the requests below."""

    class ActionRequested(Message):
        """Cancel, requeue, hold or release ``job_ids`` (after the user confirms)."""

        def __init__(self, session: ClusterSession, verb: str, job_ids: list[str]) -> None:
            super().__init__()
            self.session, self.verb, self.job_ids = session, verb, job_ids

    class LogRequested(Message):
        """Follow the job's stdout or stderr; ``job`` is what squeue last showed of it."""

        def __init__(self, session: ClusterSession, job_id: str, stream: str, job: Job | None = None) -> None:
            super().__init__()
            self.session, self.job_id, self.stream, self.job = session, job_id, stream, job

    class ResubmitRequested(Message):
        """``suggested`` sbatch values ("time", "mem") and why (``note``), from the job's efficiency."""

        def __init__(
            self, session: ClusterSession, job_id: str, suggested: dict[str, str] | None = None, note: str = ""
        ) -> None:
            super().__init__()
            self.session, self.job_id = session, job_id
            self.suggested, self.note = suggested or {}, note

    class PostMortemRequested(Message):
        """The session's post-mortem, its cursor on ``job_id`` when given."""

        def __init__(self, session: ClusterSession, job_id: str | None = None) -> None:
            super().__init__()
            self.session, self.job_id = session, job_id

    class InsideRequested(Message):
        """Something inside one (running) job: its subclasses say what."""

        def __init__(self, session: ClusterSession, job_id: str) -> None:
            super().__init__()
            self.session, self.job_id = session, job_id

    class ForwardRequested(InsideRequested):
        """Forward a local port to a port of the job."""

    class ShellRequested(InsideRequested):
        """A shell inside the job, in the user's terminal."""

    class AllocationRequested(Message):
        """A new interactive allocation (salloc) on the session's cluster."""

        def __init__(self, session: ClusterSession) -> None:
            super().__init__()
            self.session = session

    if TYPE_CHECKING:  # provided by the Widget or Screen this is mixed into

        def post_message(self, message: Message) -> bool: ...

        def notify(
            self,
            message: str,
            *,
            title: str = "",
            severity: SeverityLevel = "information",
            timeout: float | None = None,
            markup: bool = True,
        ) -> None: ...

    def job_targets(self) -> list[tuple[ClusterSession, list[str]]]:
        """The jobs the action keys act on, grouped by cluster (marked rows, else the cursor's)."""
        raise NotImplementedError

    def cursor_job(self) -> Job | None:
        """The squeue row under the cursor, if the view has one: a log can still be found
        from it after the controller has forgotten the job."""
        return None

    def say_no_job(self) -> None:
        self.notify(NO_JOB, timeout=2, markup=False)

    def _targets(self) -> list[tuple[ClusterSession, list[str]]]:
        """``job_targets`` for a job key: an empty list says so instead of doing nothing silently."""
        targets = self.job_targets()
        if not targets:
            self.say_no_job()
        return targets

    def job_session(self) -> ClusterSession | None:
        """The cluster post-mortem looks at: the current job's."""
        targets = self.job_targets()
        return targets[0][0] if targets else None

    def _first_job(self) -> tuple[ClusterSession, str] | None:
        targets = self._targets()
        return (targets[0][0], targets[0][1][0]) if targets else None

    def action_job_action(self, verb: str) -> None:
        for session, job_ids in self._targets():
            self.post_message(self.ActionRequested(session, verb, job_ids))

    def action_resubmit(self) -> None:
        if (first := self._first_job()) is not None:
            self.post_message(self.ResubmitRequested(*first))

    def action_log(self, stream: str) -> None:
        if (first := self._first_job()) is not None:
            job = self.cursor_job()
            self.post_message(
                self.LogRequested(*first, stream, job if job is not None and job.job_id == first[1] else None)
            )

    def action_postmortem(self) -> None:
        """The post-mortem on the current job; with none (an empty queue), the view's cluster's."""
        if targets := self.job_targets():
            self.post_message(self.PostMortemRequested(targets[0][0], targets[0][1][0]))
        elif (session := self.job_session()) is not None:
            self.post_message(self.PostMortemRequested(session))
        else:
            self.say_no_job()

    def action_forward(self) -> None:
        if (first := self._running_job("no tunnel", "tunnels")) is not None:
            self.post_message(self.ForwardRequested(*first))

    def action_shell(self) -> None:
        if (first := self._running_job("no shell", "shells")) is not None:
            self.post_message(self.ShellRequested(*first))

    def _running_job(self, title: str, what: str) -> tuple[ClusterSession, str] | None:
        """The current job, unless its row says it does not run: then one line at once, before
        any dialog (a job the row says runs is checked again by the flow behind the key)."""
        first = self._first_job()
        job = self.cursor_job()
        if first is None or job is None or job.job_id != first[1] or job.state == "RUNNING":
            return first
        self.notify(
            visible(f"job {job.job_id} is {job.state}: {what} reach running jobs only"),
            title=title,
            severity="error",
            markup=False,
        )
        return None

    def action_allocate(self) -> None:
        if (session := self.job_session()) is not None:
            self.post_message(self.AllocationRequested(session))
