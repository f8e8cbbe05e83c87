"""The Textual app: one tab per cluster (config order), then the overview.

The app is given a started ``Workspace`` (``hpctui.cmd.tui`` owns it: it starts connecting
while Textual is imported) and opens every screen when asked by message; the screens of other
modules (log, resubmit, post-mortem, audit, the action flow) are imported when first used.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events, on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, Tabs

from hpctui.config.model import Config
from hpctui.services.attention import Attention
from hpctui.ui.commands import ActionCommands, ClusterCommands, JobCommands, ShowTab, TargetCommands
from hpctui.ui.job_actions import JobActions
from hpctui.ui.notices import LOG_SCAN_S, NoticeCenter
from hpctui.ui.screens.help import HelpScreen, where
from hpctui.ui.screens.notifications import NotificationsScreen
from hpctui.ui.tabs.cluster import ClusterTab
from hpctui.ui.tabs.overview import OVERVIEW_ID, OverviewTab
from hpctui.ui.tabs.queue_pane import QueuePane
from hpctui.ui.themes import build_themes, stylesheets, variable_defaults
from hpctui.ui.widgets.job_table import JobTable
from hpctui.ui.widgets.status_line import StatusLine
from hpctui.ui.workers import WorkerFailed, run_guarded
from hpctui.visible import visible

if TYPE_CHECKING:
    from hpctui.services.cluster import Workspace
    from hpctui.services.purge_watch import PurgeWatch

KEEP_FINISHED_S = 600.0  # how long vanished jobs stay in the "recently finished" group
ERROR_TIMEOUT_S = 15.0
ATTENTION_TICK_S = 30.0  # how often the keyboard's idleness is looked at
log = logging.getLogger(__name__)


class MainScreen(Screen[None]):
    """The tabs. ``tab``/``shift+tab`` switch tabs here: focus stays on each tab's table."""

    BINDINGS = [
        Binding("],tab", "next_tab", "Next tab", show=False, id="next_tab"),
        Binding("[,shift+tab", "previous_tab", "Previous tab", show=False, id="previous_tab"),
        *(Binding(str(n), f"tab({n})", f"Tab {n}", show=False, id=f"tab_{n}") for n in range(1, 10)),
        Binding("0", "overview", "Overview", show=False, id="overview"),
    ]

    def __init__(self, workspace: Workspace, clock: Callable[[], float]) -> None:
        super().__init__()
        self.workspace = workspace
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Header(icon="▦")
        with TabbedContent():
            for session in self.workspace.sessions.values():
                yield ClusterTab(session, self.workspace, self.clock, KEEP_FINISHED_S)
            yield OverviewTab(self.workspace, self.clock, KEEP_FINISHED_S)
        yield Footer(compact=True)

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

    class Looking(Message):
        """These clusters are on screen now: their tab, or all of them on the Overview."""

        def __init__(self, clusters: list[str]) -> None:
            super().__init__()
            self.clusters = clusters

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._focus_table()
        pane = self.tabs.active_pane
        if isinstance(pane, ClusterTab):
            self.post_message(self.Looking([pane.session.name]))
        else:
            self.post_message(self.Looking(list(self.workspace.sessions)))

    def _pane_ids(self) -> list[str]:
        return [pane.id or "" for pane in self.tabs.query(QueuePane)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The number keys of tabs that do not exist do nothing, and the help leaves them out."""
        if action == "tab" and parameters and isinstance(parameters[0], int):
            return parameters[0] <= len(self._pane_ids())
        return True

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
    """The terminal UI of one Workspace, which it is given started and never closes (its
    owner, ``hpctui.cmd.tui``, does). The app owns the screens: it opens each one when a
    widget or screen asks by message (``@on`` below); children get data as attributes
    (``config``, ``workspace``, ``clock``) and never call the app's own methods."""

    TITLE = "hpctui"
    CSS_PATH = stylesheets()
    COMMANDS = App.COMMANDS | {ClusterCommands, JobCommands, ActionCommands, TargetCommands}
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
        Binding("a", "audit", "Audit log", show=False, id="audit"),
        Binding("N", "notifications", "Notifications", show=False, id="notifications"),
        Binding("T", "tunnels", "Tunnels", show=False, id="tunnels"),
    ]

    def __init__(self, config: Config, workspace: Workspace, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.config = config
        self.workspace = workspace
        self.clock = clock  # what "now" is for data ages and countdowns (fixed in snapshot tests)
        self.shown = asyncio.Event()  # set once the first frame is on screen (prompts wait for it)
        pollers = {name: session.poller for name, session in workspace.sessions.items()}
        self.attention = Attention(pollers, config.refresh.idle_after_s, on_presence=self._presence_changed)
        self.errors: list[str] = []  # what failed in the background, as the user was told
        self.notices = NoticeCenter(self, workspace, config.notifications, clock)
        for theme in build_themes():
            self.register_theme(theme)
        self.theme = config.theme

    @property
    def purge_watches(self) -> dict[str, PurgeWatch]:
        """The purge watches of the clusters that have a purge policy, by cluster."""
        return {name: s.purge_watch for name, s in self.workspace.sessions.items() if s.purge_watch is not None}

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return variable_defaults()

    def get_default_screen(self) -> Screen[Any]:
        self.main = MainScreen(self.workspace, self.clock)
        return self.main

    def on_mount(self) -> None:
        self.set_keymap(dict(self.config.keymap))
        self.set_interval(ATTENTION_TICK_S, self.attention.tick)
        self.notices.start()
        self.set_interval(LOG_SCAN_S, self.notices.scan_logs)

    async def on_unmount(self) -> None:
        await self.notices.stop()

    # ----- who is looking: full rate for the clusters on screen, the idle pace otherwise ----

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self.attention.input()
        await super().on_event(event)

    def _presence_changed(self, present: bool) -> None:
        """Nobody looking: the status lines' ages and countdowns tick slowly; back at once."""
        for line in self.main.query(StatusLine):
            line.set_calm(not present)

    def on_app_focus(self) -> None:
        self.attention.focus(True)

    def on_app_blur(self) -> None:
        self.attention.focus(False)

    @on(MainScreen.Looking)
    def look_at(self, message: MainScreen.Looking) -> None:
        self.attention.look_at(message.clusters)

    def on_ready(self) -> None:
        # Everything built so far lives as long as the app: moving it out of the collector's
        # reach halves the full-collection pauses seen while a chatty log streams in. The
        # garbage of building the first frame goes first (about 1 MiB less resident all day);
        # what the imports made was frozen before (``hpctui.cmd.tui.import_app``).
        gc.collect()
        gc.freeze()
        self.shown.set()

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

    # ----- requests from the widgets and screens ----------------------------------------

    @on(QueuePane.DetailsRequested)
    def open_details(self, message: QueuePane.DetailsRequested) -> None:
        from hpctui.ui.screens.details import JobDetailsScreen

        self.push_screen(JobDetailsScreen(message.session, message.job.job_id, message.job, self.clock))

    @on(JobActions.ActionRequested)
    def run_job_action(self, message: JobActions.ActionRequested) -> None:
        from hpctui.ui.flows import run_action

        run_guarded(
            self, run_action(self, message.session, message.verb, message.job_ids), message.verb, group="job-actions"
        )

    @on(JobActions.LogRequested)
    def open_log(self, message: JobActions.LogRequested) -> None:
        from hpctui.ui.screens.log import LogScreen, LogSettings

        settings = LogSettings.of(self.config)
        self.push_screen(
            LogScreen(message.session, message.job_id, message.stream, message.job, settings=settings, clock=self.clock)
        )

    @on(JobActions.ResubmitRequested)
    def open_resubmit(self, message: JobActions.ResubmitRequested) -> None:
        from hpctui.ui.screens.resubmit import ResubmitScreen

        self.push_screen(ResubmitScreen(message.session, message.job_id, message.suggested, message.note))

    @on(JobActions.PostMortemRequested)
    def open_postmortem(self, message: JobActions.PostMortemRequested) -> None:
        from hpctui.ui.screens.postmortem import PostMortemScreen

        self.push_screen(PostMortemScreen(message.session, job_id=message.job_id))

    @on(JobActions.ForwardRequested)
    def open_tunnel(self, message: JobActions.ForwardRequested) -> None:
        from hpctui.ui.inside import open_tunnel

        work = open_tunnel(self, message.session, message.job_id, self.config.tunnel_ports)
        run_guarded(self, work, "tunnel", group="inside")

    @on(JobActions.ShellRequested)
    def open_job_shell(self, message: JobActions.ShellRequested) -> None:
        from hpctui.ui.inside import job_shell

        run_guarded(self, job_shell(self, message.session, message.job_id), "shell", group="inside")

    @on(JobActions.AllocationRequested)
    def open_allocation_shell(self, message: JobActions.AllocationRequested) -> None:
        from hpctui.ui.inside import allocation_shell

        run_guarded(self, allocation_shell(self, message.session), "salloc", group="inside")

    def action_tunnels(self) -> None:
        from hpctui.ui.screens.tunnels import TunnelsScreen

        if not isinstance(self.screen, TunnelsScreen):
            self.push_screen(TunnelsScreen({name: s.tunnels for name, s in self.workspace.sessions.items()}))

    @on(ShowTab)
    def show_tab(self, message: ShowTab) -> None:
        self.main.tabs.active = message.pane_id

    def action_audit(self) -> None:
        from hpctui.ui.screens.audit import AuditScreen

        self.push_screen(AuditScreen(self.workspace.audit))

    def action_notifications(self) -> None:
        if not isinstance(self.screen, NotificationsScreen):
            self.push_screen(NotificationsScreen(self.notices.history, self.config.notifications))

    @on(NotificationsScreen.JobRequested)
    def open_notice_job(self, message: NotificationsScreen.JobRequested) -> None:
        from hpctui.ui.screens.details import JobDetailsScreen

        session = self.workspace.sessions.get(message.cluster)
        if session is not None:
            job = session.poller.latest.job(message.job_id)
            self.push_screen(JobDetailsScreen(session, message.job_id, job, self.clock))

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        view = where(screen)
        if isinstance(screen, MainScreen) and isinstance(pane := screen.tabs.active_pane, QueuePane):
            view = f"{pane.name_text} tab"
        self.push_screen(HelpScreen(screen.active_bindings, view))
