"""Command palette (ctrl+p): clusters (switch tab), jobs (open details, or act on one: ``hold
1003``), the job keys of the view it was opened from, actions.

The providers post messages to the app (``ShowTab``, the job requests of ``QueuePane`` and
``JobActions``) or run the view's own key actions by name, so a palette command goes through the
same confirmation as its key; they read data through ``UiContext``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.message import Message

from hpctui.slurm.models import ENDED_STATES
from hpctui.ui.context import UiContext, context
from hpctui.ui.job_actions import JobActions
from hpctui.ui.tabs.cluster import pane_id
from hpctui.ui.tabs.overview import OVERVIEW_ID
from hpctui.ui.tabs.queue_pane import QueuePane
from hpctui.ui.themes import theme_names
from hpctui.ui.workers import run_guarded
from hpctui.visible import visible

if TYPE_CHECKING:
    from textual.app import App
    from textual.dom import DOMNode

    from hpctui.services.cluster import ClusterSession
    from hpctui.slurm.models import Job

Command = tuple[str, Callable[[], object], str]  # text, what it does, help
MAX_JOB_HITS = 100
# "hold 1003" names an action and its job: those hits go above every fuzzy match of the query
# (fuzzy scores grow with the query's length, a few units per letter).
NAMED_JOB_BONUS = 1000.0
# The job keys the palette offers, by binding id: what the command says before the job.
JOB_KEYS = {
    "details": "Details of", "cancel": "Cancel", "requeue": "Requeue", "hold": "Hold", "release": "Release",
    "resubmit": "Resubmit", "log": "Log (stdout) of", "log_stderr": "Log (stderr) of", "checkpoint": "Checkpoint of",
}  # fmt: skip
VERBS = ("cancel", "requeue", "hold", "release")  # the confirmed actions
# A word a palette query may start with to act on the jobs it then names ("hold 1003").
QUERY_VERBS = {**{verb: verb for verb in VERBS}, "resubmit": "resubmit", "log": "log", "stderr": "log_stderr",
               "details": "details"}  # fmt: skip


class ShowTab(Message):
    """Switch the main screen to the tab with this DOM id."""

    def __init__(self, pane_id: str) -> None:
        super().__init__()
        self.pane_id = pane_id


class CommandList(Provider):
    """A provider over a short list of commands: all shown on open, fuzzy-matched on typing."""

    @property
    def ui(self) -> UiContext:
        return context(self.app)

    def post(self, message: Message) -> Callable[[], object]:
        """A command that asks the app for something by message."""
        return partial(self.app.post_message, message)

    def commands(self) -> Iterator[Command]:
        raise NotImplementedError

    async def discover(self) -> Hits:
        for text, callback, help_text in self.commands():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self.commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, highlighted(matcher, text), callback, text=text, help=help_text)


class ClusterCommands(CommandList):
    def commands(self) -> Iterator[Command]:
        for name in self.ui.workspace.sessions:
            yield f"Go to {name}", self.post(ShowTab(pane_id(name))), "switch to the cluster's tab"
        yield "Go to overview", self.post(ShowTab(OVERVIEW_ID)), "all clusters at a glance"


class ActionCommands(CommandList):
    def commands(self) -> Iterator[Command]:
        sessions = self.ui.workspace.sessions
        yield "Refresh all clusters", partial(_refresh, list(sessions.values())), "poll every cluster now"
        yield (
            "Help: keys of this view",
            partial(self.app.run_action, "help"),
            "the bindings active here, with their ids",
        )
        yield "Audit log", partial(self.app.run_action, "audit"), "every state-changing command hpctui ran"
        for name, session in sessions.items():
            yield f"Refresh {name}", partial(_refresh, [session]), "poll this cluster now"
            yield (
                f"Reconnect {name}",
                partial(_reconnect, self.app, session),
                "connect again now (after a failed login too)",
            )
            yield (
                f"Post-mortem {name}",
                self.post(JobActions.PostMortemRequested(session)),
                "why recent jobs ended (sacct)",
            )
        for theme in theme_names():
            yield f"Theme: {theme}", partial(setattr, self.app, "theme", theme), "switch colours"


def _refresh(sessions: list[ClusterSession]) -> None:
    for session in sessions:
        session.poller.refresh_now(nodes=True)


def _reconnect(app: App[object], session: ClusterSession) -> None:
    run_guarded(app, session.link.reconnect(), f"reconnect {session.name}")


def highlighted(matcher: Matcher, text: str) -> Content:
    """What ``matcher.highlight`` shows, without reading ``text`` as markup: job names are data
    (a name like ``[@click=app.quit]x`` must stay text, never become a link that quits)."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    for offset in offsets if score else ():
        if not text[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class TargetCommands(CommandList):
    """The job keys of the view the palette was opened from, on what they act on there: the
    marked jobs, else the cursor's (and, when jobs are marked, the cursor's job alone)."""

    def commands(self) -> Iterator[Command]:
        seen: set[str] = set()
        holder: JobActions | None = None
        for key, active in self.screen.active_bindings.items():
            binding = active.binding
            if binding.id not in JOB_KEYS or binding.id in seen or not active.enabled:
                continue
            seen.add(binding.id)
            if isinstance(active.node, JobActions):
                holder = active.node
                only = _only_job(holder)
                if only is not None and binding.id in VERBS and not _applies(binding.id, only):
                    continue  # cancel or hold an ended job: Slurm refuses
            target = self._target_text(active.node, binding.id)
            yield (
                f"{JOB_KEYS[binding.id]} {target}".strip(),
                partial(self.app.run_action, binding.action, active.node),
                f"as the key {self.app.get_key_display(binding) or key} here",
            )
        if holder is not None:
            yield from self._cursor_alone(holder)
        elif (shown := _screen_job(self.screen)) is not None:
            yield from self._screen_job_actions(*shown)

    def _screen_job_actions(self, session: ClusterSession, job_id: str) -> Iterator[Command]:
        """A view of one job without the job keys (its log, its resubmission): the actions on it."""
        job = next((job for job in session.poller.latest.jobs if job.job_id == job_id), None)
        for verb in (verb for verb in VERBS if job is None or _applies(verb, job)):
            yield (
                f"{JOB_KEYS[verb]} {describe_job(session, job_id)}",
                self.post(JobActions.ActionRequested(session, verb, [job_id])),
                "the job of this view",
            )

    def _target_text(self, node: DOMNode, binding_id: str) -> str:
        if not isinstance(node, JobActions) or not (targets := node.job_targets()):
            return ""
        ids = [(session, job_id) for session, job_ids in targets for job_id in job_ids]
        if binding_id not in VERBS or len(ids) == 1:
            return describe_job(*ids[0], node.cursor_job())
        clusters = ", ".join(f"{session.name}: {' '.join(job_ids)}" for session, job_ids in targets)
        return f"the {len(ids)} marked jobs ({clusters})"

    def _cursor_alone(self, holder: JobActions) -> Iterator[Command]:
        """With jobs marked, the keys act on the marks: the cursor's job is offered on its own."""
        job = holder.cursor_job()
        session = self.ui.workspace.sessions.get(job.cluster) if job is not None else None
        targets = {job_id for _, job_ids in holder.job_targets() for job_id in job_ids}
        if job is None or session is None or targets == {job.job_id}:
            return
        for verb in (verb for verb in VERBS if _applies(verb, job)):
            yield (
                f"{JOB_KEYS[verb]} {describe_job(session, job.job_id, job)} (under the cursor)",
                self.post(JobActions.ActionRequested(session, verb, [job.job_id])),
                "the cursor's job only, not the marked ones",
            )


def describe_job(session: ClusterSession, job_id: str, shown: Job | None = None) -> str:
    """``job 1001 train (alpha)``, the name as the view (``shown``) or the queue last showed it."""
    jobs = (shown,) if shown is not None and shown.job_id == job_id else session.poller.latest.jobs
    name = next((job.name for job in jobs if job.job_id == job_id), "")
    return visible(f"job {job_id} {name} ({session.name})".replace("  ", " "))


def _screen_job(screen: object) -> tuple[ClusterSession, str] | None:
    """The cluster and job a view shows (a log, a resubmission: ``session`` and ``job_id``)."""
    session, job_id = getattr(screen, "session", None), getattr(screen, "job_id", None)
    return (session, job_id) if session is not None and isinstance(job_id, str) else None


def _only_job(holder: JobActions) -> Job | None:
    """The one job the keys act on, when it is the cursor's (None: marked jobs, or none)."""
    targets = [job_id for _, job_ids in holder.job_targets() for job_id in job_ids]
    job = holder.cursor_job()
    return job if job is not None and targets == [job.job_id] else None


class JobCommands(Provider):
    """Jobs of every cluster by id, name, partition or state: opens the details screen; a query
    that starts with an action (``hold 1003``, ``log train``) offers that action on the jobs."""

    async def search(self, query: str) -> Hits:
        ui = context(self.app)
        binding_id, needle = _verb_and_rest(query.lower().strip())
        if binding_id is None and not needle:
            return
        matcher = self.matcher(needle or query)
        hits = 0
        for name, session in ui.workspace.sessions.items():
            for job in session.poller.latest.jobs:
                text = visible(f"{name} {job.job_id} {job.name} {job.partition} {job.state}")
                if needle not in text.lower() or not _applies(binding_id, job):
                    continue
                score = max(matcher.match(text), 0.1) if needle else 0.5
                if binding_id is not None and needle:
                    score += NAMED_JOB_BONUS
                yield self._hit(score, matcher, text, session, job, binding_id)
                hits += 1
                if hits >= MAX_JOB_HITS:
                    return

    def _hit(
        self, score: float, matcher: Matcher, text: str, session: ClusterSession, job: Job, binding_id: str | None
    ) -> Hit:
        if binding_id is None or binding_id == "details":
            message: Message = QueuePane.DetailsRequested(session, job)
        elif binding_id in VERBS:
            message = JobActions.ActionRequested(session, binding_id, [job.job_id])
        elif binding_id == "resubmit":
            message = JobActions.ResubmitRequested(session, job.job_id)
        else:
            stream = "stderr" if binding_id == "log_stderr" else "stdout"
            message = JobActions.LogRequested(session, job.job_id, stream, job)
        label = JOB_KEYS[binding_id or "details"]
        shown = highlighted(matcher, text) if binding_id is None else Content(f"{label} ") + highlighted(matcher, text)
        return Hit(score, shown, partial(self.app.post_message, message), text=shown.plain, help=label.lower())


def _verb_and_rest(query: str) -> tuple[str | None, str]:
    """(the binding id of the action the query starts with, the rest): ``hold 1003`` ->
    (hold, 1003); ``canc`` -> (cancel, ""); a query without one is all job filter."""
    first, _, rest = query.partition(" ")
    for word, binding_id in QUERY_VERBS.items():
        if first == word or (len(first) >= 3 and word.startswith(first)):
            return binding_id, rest.strip()
    return None, query


def _applies(binding_id: str | None, job: Job) -> bool:
    """Actions Slurm refuses outright are not offered: nothing to cancel, hold or release in an
    ended job, nothing to requeue in a pending one."""
    if binding_id in ("cancel", "hold", "release"):
        return job.state not in ENDED_STATES
    if binding_id == "requeue":
        return job.state != "PENDING"
    return True
