"""Command palette (ctrl+p): clusters (switch tab), jobs (open details), actions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from hpctui.ui.tabs.cluster import pane_id
from hpctui.ui.tabs.overview import OVERVIEW_ID
from hpctui.ui.themes import theme_names
from hpctui.ui.workers import run_guarded
from hpctui.visible import visible

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession
    from hpctui.ui.app import HpcApp

Command = tuple[str, Callable[[], object], str]  # text, what it does, help
MAX_JOB_HITS = 100


class CommandList(Provider):
    """A provider over a short list of commands: all shown on open, fuzzy-matched on typing."""

    @property
    def hpc(self) -> HpcApp:
        return self.app  # type: ignore[return-value]

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
                yield Hit(score, matcher.highlight(text), callback, text=text, help=help_text)


class ClusterCommands(CommandList):
    def commands(self) -> Iterator[Command]:
        for name in self.hpc.workspace.sessions:
            yield f"Go to {name}", partial(self.hpc.show_tab, pane_id(name)), "switch to the cluster's tab"
        yield "Go to overview", partial(self.hpc.show_tab, OVERVIEW_ID), "all clusters at a glance"


class ActionCommands(CommandList):
    def commands(self) -> Iterator[Command]:
        app = self.hpc
        yield "Refresh all clusters", app.refresh_all, "poll every cluster now"
        yield "Help: keys of this view", app.action_help, "the bindings active here, with their ids"
        yield "Audit log", app.action_audit, "every state-changing command hpctui ran"
        for name, session in app.workspace.sessions.items():
            yield f"Refresh {name}", partial(session.poller.refresh_now, nodes=True), "poll this cluster now"
            yield f"Reconnect {name}", partial(_reconnect, app, session), "connect again now (after a failed login too)"
            yield f"Post-mortem {name}", partial(app.open_postmortem, session), "why recent jobs ended (sacct)"
        for theme in theme_names():
            yield f"Theme: {theme}", partial(setattr, app, "theme", theme), "switch colours"


def _reconnect(app: HpcApp, session: ClusterSession) -> None:
    run_guarded(app, session.link.reconnect(), f"reconnect {session.name}")


class JobCommands(Provider):
    """Jobs of every cluster by id, name, partition or state; opens the details screen."""

    async def search(self, query: str) -> Hits:
        app: HpcApp = self.app  # type: ignore[assignment]
        needle = query.lower().strip()
        if not needle:
            return
        matcher = self.matcher(query)
        hits = 0
        for name, session in app.workspace.sessions.items():
            for job in session.poller.latest.jobs:
                text = visible(f"{name} {job.job_id} {job.name} {job.partition} {job.state}")
                if needle not in text.lower():
                    continue
                score = max(matcher.match(text), 0.1)
                yield Hit(score, matcher.highlight(text), partial(app.open_details, session, job), text=text, help="job details")
                hits += 1
                if hits >= MAX_JOB_HITS:
                    return
