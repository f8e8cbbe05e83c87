"""The Textual app: one tab per cluster (config order), then the overview.

The app starts and closes the ``Workspace`` (``hpctui.cmd.tui`` starts it even earlier, while
Textual is imported) and the purge watches, and opens every screen; the screens of other
modules (log, resubmit, post-mortem, audit, the action flow) are imported when first used.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, Tabs

from hpctui.config.model import Config
from hpctui.services.purge_watch import PurgeWatch, has_purge_policy
from hpctui.slurm.models import Job
from hpctui.ui.commands import ActionCommands, ClusterCommands, JobCommands
from hpctui.ui.screens.help import HelpScreen, where
from hpctui.ui.tabs.cluster import ClusterTab
from hpctui.ui.tabs.overview import OVERVIEW_ID, OverviewTab
from hpctui.ui.tabs.queue_pane import QueuePane
from hpctui.ui.themes import build_themes, stylesheets, variable_defaults
from hpctui.ui.widgets.job_table import JobTable
from hpctui.ui.workers import WorkerFailed, run_guarded
from hpctui.visible import visible

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession

KEEP_FINISHED_S = 600.0  # how long vanished jobs stay in the "recently finished" group
ERROR_TIMEOUT_S = 15.0
log = logging.getLogger(__name__)


class MainScreen(Screen[None]):
    """The tabs. ``tab``/``shift+tab`` switch tabs here: focus stays on each tab's table."""

    BINDINGS = [
        Binding("],tab", "next_tab", "Next tab", show=False, id="next_tab"),
        Binding("[,shift+tab", "previous_tab", "Previous tab", show=False, id="previous_tab"),
        *(Binding(str(n), f"tab({n})", f"Tab {n}", show=False, id=f"tab_{n}") for n in range(1, 10)),
        Binding("0", "overview", "Overview", show=False, id="overview"),
    ]

    def __init__(self, workspace: Any) -> None:
        super().__init__()
        self.workspace = workspace

    def compose(self) -> ComposeResult:
        yield Header(icon="▦")
        with TabbedContent():
            for session in self.workspace.sessions.values():
                yield ClusterTab(session, self.workspace, KEEP_FINISHED_S)
            yield OverviewTab(self.workspace, KEEP_FINISHED_S)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Tabs).can_focus = False
        self._focus_table()

    @property
    def tabs(self) -> TabbedContent:
        return self.query_one(TabbedContent)

    def _focus_table(self) -> None:
        pane = self.tabs.active_pane
        if pane is not None:
            pane.query_one(JobTable).focus()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._focus_table()

    def _pane_ids(self) -> list[str]:
        return [pane.id or "" for pane in self.tabs.query(QueuePane)]

    def action_tab(self, number: int) -> None:
        ids = self._pane_ids()
        if number <= len(ids):
            self.tabs.active = ids[number - 1]

    def action_next_tab(self) -> None:
        self._step(1)

    def action_previous_tab(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        ids = self._pane_ids()
        self.tabs.active = ids[(ids.index(self.tabs.active) + delta) % len(ids)]

    def action_overview(self) -> None:
        self.tabs.active = OVERVIEW_ID


class HpcApp(App[None]):
    TITLE = "hpctui"
    CSS_PATH = stylesheets()
    COMMANDS = App.COMMANDS | {ClusterCommands, JobCommands, ActionCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
        Binding("a", "audit", "Audit log", show=False, id="audit"),
    ]

    def __init__(self, config: Config, workspace: Any, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.config = config
        self.workspace = workspace
        self.clock = clock  # what "now" is for data ages and countdowns (fixed in snapshot tests)
        self.purge_watches = {
            name: PurgeWatch(session.link, session.cluster)
            for name, session in workspace.sessions.items()
            if has_purge_policy(session.cluster)
        }
        self.shown = asyncio.Event()  # set once the first frame is on screen (prompts wait for it)
        self.errors: list[str] = []  # what failed in the background, as the user was told
        for theme in build_themes():
            self.register_theme(theme)
        self.theme = config.theme

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return variable_defaults()

    def get_default_screen(self) -> Screen[Any]:
        self.main = MainScreen(self.workspace)
        return self.main

    def on_mount(self) -> None:
        self.set_keymap(dict(self.config.keymap))
        run_guarded(self, self._start(), "connecting", group="workspace")

    async def _start(self) -> None:
        await self.workspace.start()
        for watch in self.purge_watches.values():
            watch.start()

    def on_ready(self) -> None:
        # Everything built so far lives as long as the app: moving it out of the collector's
        # reach halves the full-collection pauses seen while a chatty log streams in.
        gc.freeze()
        self.shown.set()

    async def on_unmount(self) -> None:
        await asyncio.gather(*(watch.stop() for watch in self.purge_watches.values()))
        await self.workspace.close()

    @on(WorkerFailed)
    def report_failure(self, event: WorkerFailed) -> None:
        """A background task failed: one line for the user, the traceback in the log file."""
        error = event.error
        log.error("%s failed", event.what, exc_info=(type(error), error, error.__traceback__))
        line = visible(f"{event.what}: {error}" if str(error) else f"{event.what}: {type(error).__name__}")
        self.errors.append(line)
        self.notify(line, title="failed", severity="error", timeout=ERROR_TIMEOUT_S, markup=False)

    def _handle_exception(self, error: Exception) -> None:
        """Textual's last resort (it exits): the traceback goes to hpctui's log file first."""
        log.critical("unhandled error", exc_info=(type(error), error, error.__traceback__))
        super()._handle_exception(error)

    # ----- screens and flows ------------------------------------------------------------

    def show_tab(self, pane_id: str) -> None:
        self.main.tabs.active = pane_id

    def refresh_all(self) -> None:
        for session in self.workspace.sessions.values():
            session.poller.refresh_now(nodes=True)

    def open_details(self, session: ClusterSession, job: Job) -> None:
        from hpctui.ui.screens.details import JobDetailsScreen

        self.push_screen(JobDetailsScreen(session, job.job_id, job))

    def run_job_action(self, session: ClusterSession, verb: str, job_ids: list[str]) -> None:
        from hpctui.ui.flows import run_action

        run_guarded(self, run_action(self, session, verb, job_ids), verb, group="job-actions")

    def open_log(self, session: ClusterSession, job_id: str, stream: str, job: Job | None = None) -> None:
        from hpctui.ui.screens.log import LogScreen

        self.push_screen(LogScreen(session, job_id, stream=stream, job=job))

    def open_resubmit(self, session: ClusterSession, job_id: str) -> None:
        from hpctui.ui.screens.resubmit import ResubmitScreen

        self.push_screen(ResubmitScreen(session, job_id))

    def open_postmortem(self, session: ClusterSession) -> None:
        from hpctui.ui.screens.postmortem import PostMortemScreen

        self.push_screen(PostMortemScreen(session))

    def action_audit(self) -> None:
        from hpctui.ui.screens.audit import AuditScreen

        self.push_screen(AuditScreen(self.workspace.audit))

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        view = where(screen)
        if isinstance(screen, MainScreen) and isinstance(pane := screen.tabs.active_pane, QueuePane):
            view = f"{pane.name_text} tab"
        self.push_screen(HelpScreen(screen.active_bindings, view))
