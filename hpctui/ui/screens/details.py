"""Every field of ``scontrol show job``, grouped; the job action keys work here too.

Above the fields: the resubmit lineage (from the local resubmit history) and, on ``m``, the
job's training checkpoint (epoch, best loss and metric: a Python one-liner on the login node,
so only when asked).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from hpctui.errors import UserError
from hpctui.format import duration, time_limit
from hpctui.services.checkpoint import CHECKPOINT_PATH, CheckpointInfo, read_checkpoint
from hpctui.services.resubmit import UNKNOWN_JOB
from hpctui.slurm.errors import SlurmProblem
from hpctui.slurm.models import ENDED_STATES, AccountingRecord, Job, Snapshot
from hpctui.slurm.parse.fields import parse_duration
from hpctui.ssh.types import LinkError
from hpctui.ui.columns import UNASKED_END, UNKNOWN_END, elapsed_limit, where
from hpctui.ui.job_actions import JOB_ACTION_BINDINGS, JobActions
from hpctui.ui.widgets.live_use import LiveUsePanel
from hpctui.ui.widgets.wait_info import WaitInfo
from hpctui.ui.workers import run_guarded
from hpctui.visible import visible

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession
    from hpctui.services.jobinfo import JobDetails


TICK_S = 1.0  # the header's elapsed time ticks on between polls and reloads
END_ASKS = 3  # sacct rounds for the end of a job that left the queue (accounting lags a little)


def group_content(fields: list[tuple[str, str]]) -> Content:
    width = max((len(key) for key, _ in fields), default=0)
    parts: list[tuple[str, str] | str] = []
    for key, value in fields:
        parts += [(f"{key:<{width}}  ", "$text-muted"), visible(value), "\n"]
    return Content.assemble(*parts[:-1])


def summary_line(state: str, parts: tuple[str, ...]) -> Content:
    """``RUNNING  a1  ·  0:09 / 2:00:00  ·  partition gpu``, the empty parts left out."""
    return Content.assemble((state, "bold"), visible("  " + "  ·  ".join(part for part in parts if part)))


def job_summary(job: Job) -> Content:
    """What squeue said, shown at once while scontrol is asked."""
    return summary_line(job.state, (where(job), elapsed_limit(job), f"partition {job.partition}"))


def record_summary(record: AccountingRecord) -> Content:
    """How accounting saw a job end, for a job the controller no longer holds."""
    parts = (
        f"exit code {record.exit_code}" if record.exit_code else "",
        f"{duration(record.elapsed_s)} / {time_limit(record.time_limit_s, record.partition_limit)}",
        f"partition {record.partition}" if record.partition else "",
    )
    return summary_line(record.state, parts)


def with_run_time(job: Job, details: JobDetails) -> Job:
    """``job`` with scontrol's RunTime and JobState, so the header and the fields say the same."""
    try:
        used = parse_duration(details.get("RunTime") or "")
    except SlurmProblem:
        used = None
    state = (details.get("JobState") or job.state).split()[0]
    return job._replace(state=state, time_used_s=job.time_used_s if used is None else used)


def ended_as(job: Job, record: AccountingRecord | None) -> Job:
    """``job``, which left the queue, as accounting says it ended (``ENDED`` while it knows no end)."""
    if record is None or record.state not in ENDED_STATES:
        return job._replace(state=UNKNOWN_END)
    used = job.time_used_s if record.elapsed_s is None else record.elapsed_s
    return job._replace(state=record.state, time_used_s=used)


def lineage_text(cluster: str, job_id: str) -> str:
    """``resubmit of 1200 · resubmitted as 1234`` from the local resubmit history ("" if none)."""
    from hpctui.services.resubmit import ResubmitHistory  # it imports the linter: import it off the UI thread

    history = ResubmitHistory()
    parts = []
    if origin := history.origin(cluster, job_id):
        parts.append(f"resubmit of {origin}")
    if successor := history.lookup(cluster, job_id):
        parts.append(f"resubmitted as {successor}")
    return " · ".join(parts)


class JobDetailsScreen(JobActions, Screen[None]):
    DEFAULT_CSS = """
    JobDetailsScreen > #title { height: 1; padding: 0 1; text-style: bold; background: $panel; }
    JobDetailsScreen > #summary { height: auto; padding: 0 1; }
    JobDetailsScreen > #error { height: auto; padding: 0 1; color: $text-error; display: none; }
    JobDetailsScreen > #error.-shown { display: block; }
    JobDetailsScreen > #lineage { height: auto; padding: 0 1; color: $text-accent; display: none; }
    JobDetailsScreen > #lineage.-shown { display: block; }
    JobDetailsScreen > #checkpoint { height: auto; padding: 0 1; color: $text-muted; }
    JobDetailsScreen > #checkpoint.-ok { color: $text-success; }
    JobDetailsScreen > #checkpoint.-failed { color: $text-warning; }
    JobDetailsScreen > VerticalScroll { height: 1fr; padding: 0 1; }
    JobDetailsScreen Grid { grid-size: 2; grid-rows: auto; grid-gutter: 0 1; height: auto; }
    JobDetailsScreen .group { height: auto; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="back"),
        Binding("q", "back", "Close", show=False, id="close_view"),
        Binding("r", "refresh", "Reload", id="refresh"),
        Binding("m", "checkpoint", "Checkpoint", id="checkpoint"),
        Binding("w", "why_waiting", "Why waiting", show=False, id="why_waiting"),
        *JOB_ACTION_BINDINGS,
    ]

    class Loaded(Message):
        def __init__(self, details: JobDetails) -> None:
            super().__init__()
            self.details = details

    class Failed(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    class CheckpointRead(Message):
        def __init__(self, found: CheckpointInfo | str) -> None:
            super().__init__()
            self.found = found

    def __init__(
        self, session: ClusterSession, job_id: str, job: Job | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__()
        self.session = session
        self.job_id = job_id
        self.job = job
        self.clock = clock
        self.work_dir = job.work_dir if job else None  # scontrol's WorkDir replaces it when loaded
        self._job_at = clock()  # when ``job``'s elapsed time was read (squeue's, then RunTime)
        self._unsubscribe: Callable[[], None] = lambda: None
        self._asking_end = False  # a sacct on how the job ended is under way
        self._end_asks = 0

    def compose(self) -> ComposeResult:
        name = f" · {visible(self.job.name)}" if self.job else ""
        yield Static(f"Job {self.job_id}{name} on {self.session.cluster.name}", id="title", markup=False)
        yield Static(job_summary(self.job) if self.job else "", id="summary")
        yield Static(id="error", markup=False)
        yield Static(id="lineage", markup=False)
        yield WaitInfo(self.session, self.job)
        yield Static(f"checkpoint: m reads {CHECKPOINT_PATH} in the job's WorkDir", id="checkpoint", markup=False)
        yield LiveUsePanel(self.session, self.job_id, id="live-use")
        with VerticalScroll():
            yield Static("asking scontrol show job …", id="loading")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._unsubscribe = self.session.poller.subscribe(self.follow_queue)
        self.follow_queue(self.session.poller.latest)  # a job of the finished group left already
        if self.job is None:  # opened by id (a notification): the queue may not hold it any more
            run_guarded(self, self._summary_from_accounting(), "how the job ended", group="ending")
        self.action_refresh()
        self.set_interval(TICK_S, self.show_summary)

    def on_unmount(self) -> None:
        self._unsubscribe()

    def follow_queue(self, snapshot: Snapshot) -> None:
        """The header follows each poll: the job as squeue shows it now (its end, if squeue
        shows one), or, once it left the queue, how accounting says it ended."""
        if self.job is None or self.job.state in ENDED_STATES or snapshot.error or snapshot.jobs_at is None:
            return
        queued = snapshot.job(self.job_id)
        if queued is not None:
            if queued != self.job:
                self._show_job(queued, snapshot.jobs_at)
        elif self._end_asks < END_ASKS and not self._asking_end:
            if self.job.state != UNKNOWN_END:
                self._show_job(self.job._replace(state=UNASKED_END), self._job_at)
            self._asking_end, self._end_asks = True, self._end_asks + 1
            run_guarded(self, self._ask_end(), "how the job ended", group="ending")

    async def _ask_end(self) -> None:
        try:
            record = (await self.session.endings.lookup([self.job_id])).get(self.job_id)
        except (LinkError, SlurmProblem):
            return  # asked again after the next poll
        finally:
            self._asking_end = False
        if self.job is not None:
            self._show_job(ended_as(self.job, record), self._job_at)

    async def _summary_from_accounting(self) -> None:
        try:
            record = (await self.session.endings.lookup([self.job_id])).get(self.job_id)
        except (LinkError, SlurmProblem):
            return  # the error line says what scontrol said
        if record is not None and self.job is None:
            self.query_one("#summary", Static).update(record_summary(record))

    def _show_job(self, job: Job, read_at: float) -> None:
        self.job, self._job_at = job, read_at
        self.show_summary()

    def show_summary(self) -> None:
        """The header, a running job's elapsed time counted on from when it was read."""
        if self.job is None:
            return
        job = self.job
        if job.state == "RUNNING" and job.time_used_s is not None:
            job = job._replace(time_used_s=job.time_used_s + int(self.clock() - self._job_at))
        self.query_one("#summary", Static).update(job_summary(job))

    def on_screen_resume(self) -> None:
        """Shown, or back from a screen opened here (a resubmit adds to the lineage)."""
        run_guarded(self, self._lineage(), "resubmit history", exclusive=True, group="lineage")

    async def _lineage(self) -> None:
        text = await asyncio.to_thread(lineage_text, self.session.cluster.name, self.job_id)
        if text:
            self.query_one("#lineage", Static).update(text)
            self.query_one("#lineage").add_class("-shown")

    def action_checkpoint(self) -> None:
        line = self.query_one("#checkpoint", Static)
        line.remove_class("-ok", "-failed")
        line.update(visible(f"checkpoint: reading {CHECKPOINT_PATH} in {self.work_dir or 'the WorkDir'} …"))
        run_guarded(self, self._read_checkpoint(), "checkpoint", exclusive=True, group="checkpoint")

    async def _read_checkpoint(self) -> None:
        found = await read_checkpoint(self.session.link, self.session.cluster, self.work_dir)
        self.post_message(self.CheckpointRead(found))

    def on_job_details_screen_checkpoint_read(self, message: CheckpointRead) -> None:
        line = self.query_one("#checkpoint", Static)
        found = message.found
        line.update(visible(f"checkpoint: {found if isinstance(found, str) else found.summary()}", newlines=True))
        line.add_class("-failed" if isinstance(found, str) else "-ok")

    def action_why_waiting(self) -> None:
        self.query_one(WaitInfo).load_priority()

    def action_refresh(self) -> None:
        run_guarded(self, self._fetch(), "job details", exclusive=True, group="details")

    async def _fetch(self) -> None:
        try:
            details = await self.session.job_details(self.job_id)
        except (LinkError, SlurmProblem, UserError) as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Loaded(details))

    async def on_job_details_screen_loaded(self, message: Loaded) -> None:
        self.query_one("#error", Static).remove_class("-shown")
        self.work_dir = message.details.work_dir or self.work_dir
        if self.job is not None:
            self._show_job(with_run_time(self.job, message.details), self.clock())
        body = self.query_one(VerticalScroll)
        await body.remove_children()
        groups = []
        for title, fields in message.details.groups():
            group = Static(group_content(fields), classes="group")
            group.border_title = title
            groups.append(group)
        await body.mount(Grid(*groups))

    def on_job_details_screen_failed(self, message: Failed) -> None:
        error = self.query_one("#error", Static)
        said = f"scontrol show job {self.job_id}: {message.error}"
        if UNKNOWN_JOB in message.error:
            said = (
                f"Slurm's controller does not hold job {self.job_id} (a job leaves it minutes after it ends): "
                f"p looks for it in accounting. {said}"
            )
        error.update(visible(said, newlines=True))
        error.add_class("-shown")
        loading = self.query("#loading")
        if loading:
            loading.first(Static).update("")

    def action_back(self) -> None:
        self.dismiss()

    def job_targets(self) -> list[tuple[ClusterSession, list[str]]]:
        return [(self.session, [self.job_id])]

    def cursor_job(self) -> Job | None:
        return self.job
