"""Command palette (ctrl+p): clusters (switch tab), jobs (open details), actions.

The providers post messages to the app (``ShowTab``, the job requests of ``QueuePane`` and
``JobActions``) or run its Textual actions by name; they read data through ``UiContext``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.fuzzy import Matcher
from textual.message import Message

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

    from hpctui.services.cluster import ClusterSession

Command = tuple[str, Callable[[], object], str]  # text, what it does, help
MAX_JOB_HITS = 100


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


class JobCommands(Provider):
    """Jobs of every cluster by id, name, partition or state; opens the details screen."""

    async def search(self, query: str) -> Hits:
        ui = context(self.app)
        needle = query.lower().strip()
        if not needle:
            return
        matcher = self.matcher(query)
        hits = 0
        for name, session in ui.workspace.sessions.items():
            for job in session.poller.latest.jobs:
                text = visible(f"{name} {job.job_id} {job.name} {job.partition} {job.state}")
                if needle not in text.lower():
                    continue
                score = max(matcher.match(text), 0.1)
                yield Hit(
                    score,
                    highlighted(matcher, text),
                    partial(self.app.post_message, QueuePane.DetailsRequested(session, job)),
                    text=text,
                    help="job details",
                )
                hits += 1
                if hits >= MAX_JOB_HITS:
                    return
