"""The TUI's notifications: the feed on every cluster's snapshots, the open logs looked at every
few seconds, and each notice the rules want shown as a toast, sent to the desktop and kept in
the history the notifications view (``N``) lists."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.notifications import SeverityLevel

from hpctui.config.model import Notifications
from hpctui.services.desktop import Desktop
from hpctui.services.metrics import MetricParser
from hpctui.services.notice_feed import NoticeFeed
from hpctui.services.notices import ENDED, LogSignals, Notice, NoticeEngine, digest, wants
from hpctui.visible import visible

if TYPE_CHECKING:
    from hpctui.services.cluster import Workspace
    from hpctui.ui.screens.log import LogScreen

LOG_SCAN_S = 5.0
MAX_HISTORY = 500
TOAST_S = 10.0
BAD = ENDED - {"completed", "cancelled", "preempted"} | {"lost", "nan", "log_error"}
WORRYING = frozenset({"cancelled", "preempted", "requeued", "silent", "loss_plateau"})


@dataclass(frozen=True)
class Received:
    notice: Notice
    at: float  # time.time() when it was shown


def severity(notice: Notice) -> SeverityLevel:
    if notice.event in BAD:
        return "error"
    return "warning" if notice.event in WORRYING else "information"


def worst(notices: Iterable[Notice]) -> SeverityLevel:
    levels = {severity(notice) for notice in notices}
    return next((level for level in ("error", "warning") if level in levels), "information")


class NoticeCenter:
    """Owned by the app: ``start`` on mount, ``stop`` on unmount."""

    def __init__(
        self, app: App[Any], workspace: Workspace, rules: Notifications, clock: Callable[[], float] = time.time
    ) -> None:
        self._app = app
        self._workspace = workspace
        self.rules = rules
        self._clock = clock
        self.history: list[Received] = []  # newest first
        self.engine = NoticeEngine(rules.silent_min * 60, rules.plateau_min * 60)
        self.feed = NoticeFeed(workspace.sessions, self.engine, self.receive)
        self.desktop: Desktop | None = None

    def start(self) -> None:
        """On mount, once the app has its driver: a headless app (tests) has no terminal and
        no desktop of its own."""
        if not self._app.is_headless:
            self.desktop = Desktop(self.rules, self._write_terminal)
        self.feed.start()

    async def stop(self) -> None:
        await self.feed.stop()
        if self.desktop is not None:
            await self.desktop.close()

    def receive(self, notices: list[Notice]) -> None:
        """Notices that came together: each in the history, few as toasts of their own, many
        as one summary (on the desktop too)."""
        wanted = [notice for notice in notices if wants(self.rules, notice)]
        now = self._clock()
        self.history[:0] = [Received(notice, now) for notice in wanted]  # a batch in its own order
        del self.history[MAX_HISTORY:]
        for shown in digest(wanted):
            level = worst(shown.notices)
            self._app.notify(visible(shown.text), severity=level, timeout=TOAST_S, markup=False)
            if self.desktop is not None:
                self.desktop.send(shown.title, shown.text)

    def scan_logs(self) -> None:
        """What the open logs show (their parsers and tails), as notices."""
        log_module = sys.modules.get("hpctui.ui.screens.log")
        if log_module is None:  # no log was ever opened
            return
        for screen in log_module.open_logs(self._app):
            self.receive(self.engine.observe_log(self._signals(screen)))

    def _signals(self, screen: LogScreen) -> LogSignals:
        snapshot = screen.session.poller.latest
        job = snapshot.job(screen.job_id) or screen.job
        parser = screen.parser
        hit = next((hit for hit in reversed(parser.errors) if hit.hint), None)
        return LogSignals(
            cluster=screen.session.name,
            job_id=screen.job_id,
            job_name=job.name if job is not None else "",
            running=snapshot.error is None and job is not None and job.state == "RUNNING",
            changed_at=screen.tail.changed_at if screen.tail is not None else None,
            nonfinite=parser.alerts[-1].message if parser.alerts else None,
            hint=(hit.kind, hit.hint) if hit is not None else None,
            loss_best=loss_best(parser),
            now=self._clock(),
        )

    def _write_terminal(self, text: str) -> None:
        """Straight to the real terminal, between Textual's frames (as ``App.bell`` does)."""
        driver = self._app._driver
        if driver is not None:
            driver.write(text)


def loss_best(parser: MetricParser) -> float | None:
    """The best value of the training loss: ``loss`` itself, else the first ``*loss*`` series
    that is not a validation one."""
    series = parser.series.get("loss") or next(
        (s for name, s in parser.series.items() if "loss" in name and "val" not in name), None
    )
    return series.best if series is not None else None
