"""A job's stdout or stderr, followed live, with error hints and a training-metrics chart.

Each LogScreen owns one ``LogTail`` (one stream channel); leaving the screen with ``esc``
closes it. ``b`` keeps the log following in the background and ``tab`` switches between the
open logs; both are limited per cluster so log tails never take every stream channel.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from hpctui.config.model import Config, MetricPattern
from hpctui.errors import UserError
from hpctui.format import age, plural
from hpctui.services.jobinfo import is_task_range, log_files, log_task
from hpctui.services.logpath import forgotten, logs_from_accounting
from hpctui.services.logtail import LineRing, LogTail
from hpctui.services.metrics import MetricParser, is_stalled
from hpctui.slurm.errors import SlurmProblem
from hpctui.slurm.models import ENDED_STATES
from hpctui.ssh.types import LinkError
from hpctui.ui.type_ahead import open_field
from hpctui.ui.widgets.live_use import LiveUsePanel
from hpctui.ui.widgets.log_view import LogView
from hpctui.ui.widgets.metrics_chart import MetricsChart
from hpctui.ui.workers import run_guarded
from hpctui.visible import visible

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession
    from hpctui.slurm.models import Job

STALLED_AFTER_S = 600.0
ENDED_CHECK_S = 30.0  # while a missing log waits on a job gone from the queue: accounting this often
TICK_S = 0.5  # status, hint bar and chart refresh at most this often
OTHER = {"stdout": "stderr", "stderr": "stdout"}

# Open logs per app, in opening order: the screens on the stack or kept in the background.
_OPEN: weakref.WeakKeyDictionary[App[Any], list[LogScreen]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class LogSettings:
    """What the config says about logs: lines read at first, lines kept, extra metric patterns."""

    lines: int = 1000
    ring: int = 100_000
    metrics: tuple[MetricPattern, ...] = ()

    @classmethod
    def of(cls, config: Config) -> LogSettings:
        return cls(config.log_lines, config.log_ring, config.metrics)


def open_logs(app: App[Any]) -> list[LogScreen]:
    return _OPEN.setdefault(app, [])


class LogScreen(Screen[None]):
    DEFAULT_CSS = """
    LogScreen > #log-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    LogScreen > #log-status { height: 1; padding: 0 1; background: $panel; color: $text-muted; }
    LogScreen > LogView { height: 1fr; }
    LogScreen > #log-hint { height: auto; padding: 0 1; background: $error-muted; color: $text; display: none; }
    LogScreen > #log-hint.-shown { display: block; }
    LogScreen > #log-search { display: none; }
    LogScreen > #log-search.-shown { display: block; }
    LogScreen > MetricsChart { display: none; }
    LogScreen > MetricsChart.-shown { display: block; }
    """

    BINDINGS = [
        Binding("escape", "back", "Close", id="back"),
        Binding("q", "back", "Close", show=False, id="close_view"),  # as in less: q leaves the log, not the app
        Binding("e", "toggle_stream", "stdout/stderr", id="log_toggle_stream"),
        # priority: run as the key arrives, before the keys behind it go to the log (see action_search)
        Binding("slash", "search", "Search", id="log_search", priority=True),
        Binding("n", "find(True)", "Next", show=False, id="log_next"),
        Binding("N", "find(False)", "Previous", show=False, id="log_previous"),
        Binding("m", "toggle_chart", "Chart", id="log_chart"),
        Binding("b", "background", "Background", id="log_background"),
        Binding("tab", "switch(1)", "Next log", id="log_switch"),
        Binding("shift+tab", "switch(-1)", "Previous log", show=False, id="log_switch_back"),
    ]

    def __init__(
        self,
        session: ClusterSession,
        job_id: str,
        stream: str = "stdout",
        job: Job | None = None,
        *,
        settings: LogSettings = LogSettings(),
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``job``: what the queue last showed of it; its paths serve when scontrol has forgotten
        a finished job (MinJobAge). ``settings``: the config's log limits and metric patterns."""
        super().__init__()
        self.settings = settings
        self.clock = clock
        if stream not in OTHER:
            raise ValueError(f"stream must be stdout or stderr, not {stream!r}")
        self.session = session
        self.requested = job_id  # what was asked for; job_id becomes the task shown for a whole array
        self.job_id = job_id
        self.stream = stream
        self.job = job
        self.files: tuple[str | None, str | None] | None = None  # (stdout, stderr) once known
        self.tail: LogTail | None = None
        self.parser = MetricParser()
        self.error: str | None = None
        self._parsed_at = 0.0  # time.monotonic() of the last parse, to redraw the chart only then
        self._drawn_at = -1.0
        self.source: str | None = None  # where the paths came from when not from the controller
        self._resolved_pending = False  # the paths were resolved while the job waited: they may change
        self._ended_checked_at: float | None = None  # time.monotonic() accounting was last asked
        self._opened_at = clock()

    @property
    def key(self) -> str:
        return f"hpctui-log:{self.session.cluster.name}:{self.requested}"

    def compose(self) -> ComposeResult:
        yield Static(id="log-title", markup=False)
        yield Static(id="log-status", markup=False)
        yield LiveUsePanel(self.session, self.job_id, id="live-use")
        yield LogView(LineRing(1), id="log-view")
        yield Static(id="log-hint", markup=False)
        yield Input(placeholder="search (smart case); enter: find, esc: cancel", id="log-search")
        yield MetricsChart(id="log-chart")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._pick_array_task()  # a whole array's task first: its log may be open already
        existing = self._already_open()
        if existing is not None:  # opened again from the queue: show the one already following
            self.app.call_later(self.app.switch_screen, existing)
            return
        open_logs(self.app).append(self)
        self.parser = self._new_parser()
        self._show_title()
        self.query_one(LogView).focus()
        run_guarded(self, self._follow(), "log", group="log-follow", exclusive=True)
        self.set_interval(TICK_S, self._tick)

    def _already_open(self) -> LogScreen | None:
        """The log following this job off screen, asked for as this job or as its array."""
        shown = (self.session, self.job_id)
        return next((log for log in self._backgrounded() if (log.session, log.job_id) == shown), None)

    def _backgrounded(self) -> list[LogScreen]:
        """Open logs following off screen (installed, not on the screen stack)."""
        stack = self.app.screen_stack
        return [log for log in open_logs(self.app) if self.app.is_screen_installed(log) and log not in stack]

    async def on_unmount(self) -> None:
        if self in open_logs(self.app):
            open_logs(self.app).remove(self)
        if self.tail is not None:
            await self.tail.close()

    # ---- following -------------------------------------------------------------------------

    def _new_parser(self) -> MetricParser:
        return MetricParser(self.settings.metrics)

    async def _follow(self) -> None:
        path = await self._path()
        if path is None:
            return
        settings = self.settings
        self.tail = tail = LogTail(self.session.link, path, last_lines=settings.lines, ring=settings.ring)
        view = self.query_one(LogView)
        view.reset(tail.lines)
        self._show_title()
        async for batch in tail.batches():
            view.sync(batch, batch.partial)
            if batch:  # not a progress bar's update alone
                # On the event loop: ordinary lines cost well under a microsecond each (see
                # MetricParser.feed), and the chart reads the parser without any locking.
                self.parser.feed(batch, batch.first, time.time())
                self._parsed_at = time.monotonic()

    async def _path(self) -> str | None:
        """The log file of the current stream (``scontrol show job`` is asked once)."""
        if self.files is None:
            self.files = await self._files()
            if self.files is None:
                return None
        path = self.files[0] if self.stream == "stdout" else self.files[1]
        if path is None:
            self.error = f"job {self.job_id} has no {self.stream} file"
        return path

    async def _files(self) -> tuple[str | None, str | None] | None:
        if not self._pick_array_task():
            return None
        try:
            details = await self.session.job_details(self.job_id)
        except (LinkError, SlurmProblem, UserError) as error:
            job = self.job or self._queue_job()
            if job is not None and job.array_job_id and is_task_range(job.array_task_id):
                self._no_log_yet(job.array_job_id)
                return None
            if job is not None:
                self._resolved_pending = job.state == "PENDING"
                return job.stdout, job.stderr  # as squeue reported them
            if forgotten(error):
                return await self._files_from_accounting()
            self.error = f"scontrol show job {self.job_id}: {error}"
            return None
        if details.pending_rest:
            self._no_log_yet(details.get("ArrayJobId") or self.job_id)
            return None
        self._resolved_pending = details.state == "PENDING"
        return await log_files(self.session.link, details, self.job or self._queue_job())

    def _pick_array_task(self) -> bool:
        """A whole array (its group row) is followed through one task (``log_task``: the first
        running one); False, the status saying why, for its pending rest (``123_[4-9]``)."""
        array, _, task = self.job_id.partition("_")
        if task.startswith("["):
            self._no_log_yet(array)
            return False
        chosen = None if task else log_task(self.session.poller.latest.jobs, array)
        if chosen is not None:
            self.job_id, self.job = chosen.job_id, chosen
            self._show_title()
        return True

    def _no_log_yet(self, array: str) -> None:
        """The pending tasks of an array write no file yet (scontrol's path for them holds
        Slurm's NO_VAL where the task id goes): one line says so instead of waiting on it."""
        self.error = f"array {array}: its pending tasks have no log yet (l on a task once it runs)"

    async def _files_from_accounting(self) -> tuple[str | None, str | None] | None:
        """The controller has forgotten the job (MinJobAge): its paths rebuilt from accounting."""
        try:
            found = await logs_from_accounting(self.session.link, self.job_id)
        except UserError as error:
            self.error = f"the controller no longer knows job {self.job_id} and its log cannot be found: {error}"
            return None
        self.source = found.source
        return found.stdout, found.stderr

    def _queue_job(self) -> Job | None:
        """This job as the poller's latest snapshot lists it, or None."""
        return self.session.poller.latest.job(self.job_id)

    # ---- a log that does not exist yet -----------------------------------------------------

    def _watch_missing_file(self) -> None:
        """While the file does not exist: follow the new path once a waiting job starts (an array
        task's path changes then), and stop waiting once the job ended without writing it."""
        tail = self.tail
        if tail is None or tail.file_size is None or tail.file_size >= 0 or self.error is not None:
            return
        job = self._queue_job()
        if job is not None and job.state == "PENDING":
            return
        if job is not None and job.state not in ENDED_STATES and self._resolved_pending:
            self._resolved_pending = False
            self.files = None  # ask again: the job runs now
            run_guarded(self, self._switch_tail(), "log", group="log-follow", exclusive=True)
        elif job is not None and job.state in ENDED_STATES:
            self._stop_waiting(tail, job.state, started=bool(job.time_used_s))
        elif job is None and self._poll_after_open() and self._may_ask_accounting():
            run_guarded(self, self._ended_by_accounting(tail), "log", group="log-ended", exclusive=True)

    def _poll_after_open(self) -> bool:
        """The queue was read after this log opened (a job submitted a moment ago may be missing before)."""
        polled = self.session.poller.latest.jobs_at
        return polled is not None and polled > self._opened_at

    def _may_ask_accounting(self) -> bool:
        now = time.monotonic()
        if self._ended_checked_at is not None and now - self._ended_checked_at < ENDED_CHECK_S:
            return False
        self._ended_checked_at = now
        return True

    async def _ended_by_accounting(self, tail: LogTail) -> None:
        try:
            record = (await self.session.endings.lookup([self.job_id])).get(self.job_id)
        except (SlurmProblem, LinkError):
            return  # asked again later
        if record is not None and record.state in ENDED_STATES and tail is self.tail:
            self._stop_waiting(tail, record.state, started=bool(record.steps))  # a batch step: it ran

    def _stop_waiting(self, tail: LogTail, state: str, started: bool) -> None:
        if started:
            what = f"job {self.job_id} ended ({state}): {tail.path} does not exist (removed, or never written)"
        else:
            what = f"job {self.job_id} ended ({state}) without ever running: {tail.path} does not exist"
        self.error = f"{what}. Stopped waiting."
        run_guarded(self, tail.close(), "log")

    # ---- periodic refresh ------------------------------------------------------------------

    def _tick(self) -> None:
        self._watch_missing_file()
        self._show_status()
        self._show_hint()
        if self._parsed_at != self._drawn_at:
            self._drawn_at = self._parsed_at
            running, elapsed = self._job_state()
            stalled = self._stalled_for(running)
            self.query_one(MetricsChart).show(self.parser, eta_s=self.parser.eta_s(elapsed), stalled_s=stalled)

    def _job_state(self) -> tuple[bool, float | None]:
        """Whether the job runs now and for how long, from the poller's latest snapshot."""
        job = self._queue_job()
        if job is None:
            return False, None
        elapsed: float | None = job.time_used_s
        polled = self.session.poller.latest.jobs_at
        if elapsed is not None and polled is not None and job.state == "RUNNING":
            elapsed += max(0.0, self.clock() - polled)
        return job.state == "RUNNING", elapsed

    def _stalled_for(self, running: bool) -> float | None:
        tail = self.tail
        now = time.time()
        if tail is not None and is_stalled(tail.changed_at, now, running, STALLED_AFTER_S):
            return now - (tail.changed_at or now)
        return None

    def _show_title(self) -> None:
        path = self.tail.path if self.tail is not None else "…"
        others = len(open_logs(self.app)) - 1
        more = f"  ·  {others} more open (tab)" if others > 0 else ""
        self.query_one("#log-title", Static).update(
            visible(f"{self.session.cluster.name} · job {self.job_id} · {self.stream} · {path}{more}")
        )

    @on(LogView.FollowChanged)
    def _show_status(self) -> None:
        view = self.query_one(LogView)
        tail = self.tail
        if self.error is not None:
            text = Content.styled(visible(self.error), "$text-error")
        elif tail is None:
            text = Content("asking scontrol show job …")
        else:
            follow = "following end" if view.follow else "scrolled (G: follow)"
            changed = f"  ·  changed {age(time.time() - tail.changed_at)} ago" if tail.changed_at else ""
            source = f"  ·  {self.source}" if self.source else ""
            status = "" if tail.status == "following" else f"{visible(tail.status)}  ·  "  # the view says it
            text = Content(
                f"{status}{plural(tail.lines.total, 'line')}  ·  byte {tail.offset or 0:,}{changed}  ·  {follow}{visible(source)}"
            )
        self.query_one("#log-status", Static).update(text)

    def _show_hint(self) -> None:
        view = self.query_one(LogView)
        hit = view.visible_error()
        where = "on screen"
        if hit is None and self.parser.errors:
            hit, where = self.parser.errors[-1], "latest"
        bar = self.query_one("#log-hint", Static)
        bar.set_class(hit is not None, "-shown")
        if hit is not None:
            advice = hit.hint or hit.text.strip()[:200]
            bar.update(visible(f"⚠ line {hit.line + 1} ({where}, {hit.kind}): {advice}"))

    # ---- actions ---------------------------------------------------------------------------

    def action_back(self) -> None:
        search = self.query_one("#log-search", Input)
        if search.has_focus:  # esc in the search box cancels the search
            search.remove_class("-shown")
            self.query_one(LogView).focus()
            return
        installed = self.app.is_screen_installed(self)
        self.dismiss()
        if installed:
            self.app.call_later(self._discard)

    def _discard(self) -> None:
        self.app.uninstall_screen(self)
        self.remove()

    def action_toggle_stream(self) -> None:
        if self.files is not None and self.files[0] == self.files[1]:
            self.notify(f"stdout and stderr of job {self.job_id} go to the same file", timeout=4, markup=False)
            return
        self.stream = OTHER[self.stream]
        self.error = None
        self.parser = self._new_parser()
        self._parsed_at = time.monotonic()
        run_guarded(self, self._switch_tail(), "log", group="log-follow", exclusive=True)

    async def _switch_tail(self) -> None:
        if self.tail is not None:
            await self.tail.close()
            self.tail = None
        await self._follow()

    def action_toggle_chart(self) -> None:
        chart = self.query_one(MetricsChart)
        chart.toggle_class("-shown")
        self._drawn_at = -1.0  # draw at the next tick

    def action_search(self) -> None:
        search = self.query_one("#log-search", Input)
        open_field(search, search)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        view = self.query_one(LogView)
        view.search_text = event.value
        view.current = None
        event.input.remove_class("-shown")
        view.focus()
        if event.value and view.find(True) is None:
            self.notify(visible(f"not found: {event.value}"), timeout=3, markup=False)

    def action_find(self, forward: bool) -> None:
        view = self.query_one(LogView)
        if not view.search_text:
            self.action_search()
        elif view.find(forward) is None:
            self.notify(visible(f"not found: {view.search_text}"), timeout=3, markup=False)

    def action_background(self) -> None:
        """Keep following this log off screen; ``l`` on the job or ``tab`` in a log brings it back."""
        if self._keep_open():
            self.dismiss()

    def _keep_open(self) -> bool:
        """Install the screen so leaving it does not close its tail; False when over the limit."""
        if self.app.is_screen_installed(self):
            return True
        limit = max(1, self.session.cluster.ssh.stream_channels - 1)
        kept = [log for log in open_logs(self.app) if log.session is self.session and self.app.is_screen_installed(log)]
        if len(kept) >= limit:
            self.notify(
                f"{limit} logs of {self.session.cluster.name} already follow in the background: close one",
                severity="warning",
                markup=False,
            )
            return False
        self.app.install_screen(self, name=self.key)
        return True

    def action_switch(self, step: int) -> None:
        others = self._backgrounded()
        if not others:
            self.notify("no other log is open (b: keep this one following in the background)", timeout=4, markup=False)
            return
        logs = [log for log in open_logs(self.app) if log is self or log in others]
        target = logs[(logs.index(self) + step) % len(logs)]
        if self._keep_open():
            self.app.switch_screen(target)
            target._show_title()
