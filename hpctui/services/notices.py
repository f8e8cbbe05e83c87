"""Notifications from snapshot diffs: the pure engine (no I/O, no clock of its own).

``NoticeEngine.observe(snapshot, connected)`` compares a cluster's new snapshot with the last
good one and returns the notices it proves, plus the job ids that left the queue without an
ending the controller showed: those are "ended" only once accounting says how
(``confirm(cluster, asked, records)``: the caller runs ONE sacct for the batch). Nothing is
said for a cluster whose snapshot is stale (its link not connected, its last poll failed, or
no new squeue data): a stale snapshot is not an empty one. ``observe_log`` turns what the open
log views parsed (NaN loss, a plateau, silence, an error line with a field-notes hint) into
notices the same way. One dedup set per engine, keyed (cluster, job id, event).

Which notices the user wants (events, clusters, job-name globs, quiet hours) is ``wants`` /
``in_quiet_hours``: the engine itself reports everything, so `hpctui watch --until-done` knows
when a job ends whatever the filters say.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hpctui.config.model import Notifications, quiet_span
from hpctui.slurm.models import ENDED_STATES, AccountingRecord, Snapshot

# Squeue/sacct end states -> the event announced.
ENDED_EVENTS: dict[str, str] = {
    "COMPLETED": "completed",
    "FAILED": "failed",
    "SPECIAL_EXIT": "failed",
    "DEADLINE": "failed",
    "OUT_OF_MEMORY": "out_of_memory",
    "TIMEOUT": "timeout",
    "NODE_FAIL": "node_fail",
    "BOOT_FAIL": "node_fail",
    "PREEMPTED": "preempted",
    "CANCELLED": "cancelled",
}
ENDED = frozenset(ENDED_EVENTS.values())
STATE_EVENTS = ("started", *dict.fromkeys(ENDED_EVENTS.values()), "requeued")
LOG_EVENTS = ("nan", "loss_plateau", "silent", "log_error")

RUNNING_STATES = frozenset({"RUNNING", "CONFIGURING"})
ACTIVE_STATES = RUNNING_STATES | {"COMPLETING", "SUSPENDED", "STOPPED", "SIGNALING", "STAGE_OUT"}
WAITING_STATES = frozenset({"PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESV_DEL_HOLD"})

CONFIRM_ATTEMPTS = 10  # sacct rounds for a job that left the queue before accounting has its end
SEEDED_ATTEMPTS = 1  # a job named on `hpctui watch`'s command line, absent from the queue: one sacct says

TITLES = {
    "started": "started",
    "completed": "completed",
    "failed": "FAILED",
    "out_of_memory": "OUT OF MEMORY",
    "timeout": "TIMEOUT",
    "node_fail": "NODE FAILURE",
    "preempted": "preempted",
    "cancelled": "cancelled",
    "requeued": "requeued",
    "nan": "NaN/inf in the log",
    "loss_plateau": "loss not improving",
    "silent": "log silent",
    "log_error": "error in the log",
    "lost": "unknown to accounting",
}


@dataclass(frozen=True)
class Notice:
    """One event of one job. ``detail`` is remote-derived text: sinks sanitise it."""

    cluster: str
    job_id: str
    event: str  # one of STATE_EVENTS or LOG_EVENTS, or "lost" (accounting never knew the job)
    job_name: str = ""
    detail: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.cluster, self.job_id, self.event)

    @property
    def title(self) -> str:
        return f"{self.cluster} {self.job_id}: {TITLES.get(self.event, self.event)}"

    @property
    def text(self) -> str:
        """One line: ``alpha 123 (train): FAILED — exit 1:0``."""
        name = f" ({self.job_name})" if self.job_name else ""
        detail = f" — {self.detail}" if self.detail else ""
        return f"{self.cluster} {self.job_id}{name}: {TITLES.get(self.event, self.event)}{detail}"

    @property
    def ended(self) -> bool:
        return self.event in ENDED or self.event == "lost"


@dataclass(frozen=True)
class Observation:
    """What one snapshot proved, and the jobs whose ending accounting must confirm."""

    notices: tuple[Notice, ...] = ()
    confirm: tuple[str, ...] = ()


@dataclass
class _Unconfirmed:
    state: str  # the last state squeue showed ("" for a seeded job never seen)
    name: str
    attempts_left: int


@dataclass
class _ClusterState:
    states: dict[str, tuple[str, str]] | None = None  # job id -> (state, name); None before the first look
    jobs_at: float | None = None  # the squeue data those states come from
    unconfirmed: dict[str, _Unconfirmed] = field(default_factory=dict)
    # Jobs accounting kept calling unfinished while squeue did not list them: no longer asked
    # about, but their last state is remembered, so their reappearing is no "start".
    parked: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class LogSignals:
    """What an open log view knows of a followed job, at ``now`` (time.time())."""

    cluster: str
    job_id: str
    job_name: str
    running: bool
    changed_at: float | None  # when the log file last grew
    nonfinite: str | None  # the latest NaN/inf alert ("loss is nan at line 12"), if any
    hint: tuple[str, str] | None  # (kind, hint) of the latest error line that has a hint
    loss_best: float | None  # best value so far of the loss series, None without one
    now: float


class NoticeEngine:
    """Every cluster's last good job states, the jobs awaiting accounting, the dedup set."""

    def __init__(self, silent_s: float = 1800.0, plateau_s: float = 3600.0) -> None:
        self._clusters: dict[str, _ClusterState] = {}
        self._said: set[tuple[str, str, str]] = set()
        self._silent_s = silent_s
        self._plateau_s = plateau_s
        self._loss: dict[tuple[str, str], tuple[float, float]] = {}  # (cluster, job) -> (best, since)

    def seed(self, cluster: str, job_ids: Iterable[str]) -> None:
        """Jobs the caller asks about (``hpctui watch CLUSTER:ID``): their ending is reported
        even when it came before the first look (from squeue's end state, or accounting)."""
        state = self._cluster(cluster)
        for job_id in job_ids:
            state.unconfirmed.setdefault(job_id, _Unconfirmed("", "", SEEDED_ATTEMPTS))

    def observe(self, snapshot: Snapshot, connected: bool) -> Observation:
        state = self._cluster(snapshot.cluster)
        if not connected or snapshot.error is not None or snapshot.jobs_at in (None, state.jobs_at):
            return Observation()  # stale: what it shows is old, and what it lacks is unknown
        now = {job.job_id: (job.state, job.name) for job in snapshot.jobs}
        first_look = state.states is None
        before = {**state.parked, **(state.states or {})}
        before.update({job_id: (u.state, u.name) for job_id, u in state.unconfirmed.items()})
        for job_id in (state.unconfirmed.keys() | state.parked.keys()) & now.keys():  # back in the queue
            state.unconfirmed.pop(job_id, None)
            state.parked.pop(job_id, None)
        notices = []
        for job_id, (current, name) in now.items():
            seen = before.get(job_id)
            if seen is not None and seen[0] == current:
                continue  # no change: most of a big queue, most polls
            event = _transition(None if seen is None else seen[0], current, first_look)
            if event is not None:
                notices.append(Notice(snapshot.cluster, job_id, event, name))
        for job_id, (last, name) in before.items():
            if job_id not in now and job_id not in state.parked and last not in ENDED_STATES and "[" not in job_id:
                # Left the queue without an end we saw (an array's pending remainder never ends).
                pending = state.unconfirmed.setdefault(job_id, _Unconfirmed(last, name, CONFIRM_ATTEMPTS))
                pending.state, pending.name = last or pending.state, name or pending.name
        state.states, state.jobs_at = now, snapshot.jobs_at
        return Observation(tuple(self._fresh(notices)), tuple(state.unconfirmed))

    def confirm(self, cluster: str, asked: Iterable[str], records: Iterable[AccountingRecord]) -> list[Notice]:
        """Accounting's answer for ``asked``: an end state is announced; a job accounting still
        shows running (it lags by a second or two) or does not know yet is asked again at the
        next poll, up to a limit; then one accounting never knew is "lost", one it still calls
        unfinished is parked (never an "ended" notice without accounting's end state)."""
        state = self._cluster(cluster)
        found = {record.job_id: record for record in records}
        notices = []
        for job_id in asked:
            pending = state.unconfirmed.get(job_id)
            if pending is None:
                continue
            record = found.get(job_id)
            if record is not None and record.state in ENDED_EVENTS:
                del state.unconfirmed[job_id]
                name = pending.name or record.name
                notices.append(Notice(cluster, job_id, ENDED_EVENTS[record.state], name, _ending(record)))
                continue
            pending.attempts_left -= 1
            if pending.attempts_left > 0:
                continue
            del state.unconfirmed[job_id]
            if record is None:
                notices.append(Notice(cluster, job_id, "lost", pending.name, "not in the queue nor in accounting"))
            else:
                state.parked[job_id] = (pending.state or record.state, pending.name or record.name)
        return self._fresh(notices)

    def observe_log(self, signals: LogSignals) -> list[Notice]:
        """Notices from a followed log: NaN/inf, the loss not improving for ``plateau_s``, no
        output for ``silent_s`` while the job runs, an error line the field notes explain."""
        found = []
        job = (signals.cluster, signals.job_id)
        if signals.nonfinite is not None:
            found.append(("nan", signals.nonfinite))
        if signals.hint is not None:
            found.append(("log_error", f"{signals.hint[0]}: {signals.hint[1]}"))
        if signals.running and signals.changed_at is not None and signals.now - signals.changed_at >= self._silent_s:
            found.append(("silent", f"no output for {_minutes(signals.now - signals.changed_at)}"))
        if (stuck := self._loss_stuck_s(job, signals)) is not None and signals.running:
            found.append(("loss_plateau", f"best loss {signals.loss_best:g} unchanged for {_minutes(stuck)}"))
        notices = [Notice(*job, event, signals.job_name, detail) for event, detail in found]
        return self._fresh(notices)

    def _loss_stuck_s(self, job: tuple[str, str], signals: LogSignals) -> float | None:
        """Seconds the best loss has not improved, once that reaches ``plateau_s``."""
        best = signals.loss_best
        if best is None or not math.isfinite(best):
            return None
        known = self._loss.get(job)
        if known is None or best != known[0]:
            self._loss[job] = (best, signals.now)
            return None
        stuck = signals.now - known[1]
        return stuck if stuck >= self._plateau_s else None

    def _cluster(self, name: str) -> _ClusterState:
        return self._clusters.setdefault(name, _ClusterState())

    def _fresh(self, notices: list[Notice]) -> list[Notice]:
        """Those not said before in this session (and remember them)."""
        fresh = []
        for notice in notices:
            if notice.key not in self._said:
                self._said.add(notice.key)
                fresh.append(notice)
        return fresh


def _transition(before: str | None, now: str, first_look: bool) -> str | None:
    """The event of a job going from state ``before`` (None: not in the last snapshot, "":
    asked about but never seen) to ``now``, both as squeue shows them."""
    if now in ENDED_STATES:
        if before in ENDED_STATES or (before is None and first_look):
            return None  # ended before we looked
        return ENDED_EVENTS.get(now)
    if now in RUNNING_STATES:
        return "started" if before in WAITING_STATES or (before is None and not first_look) else None
    if now in WAITING_STATES and before in ACTIVE_STATES:
        return "requeued"
    return None


def _ending(record: AccountingRecord) -> str:
    """What accounting adds: who cancelled, the exit code."""
    parts = []
    if record.state_detail != record.state:
        parts.append(record.state_detail)
    if record.exit_code and record.exit_code != "0:0":
        parts.append(f"exit {record.exit_code}")
    return ", ".join(parts)


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min"


MAX_SEPARATE = 3  # more notices at once than this make one summary on the desktop and in a toast


@dataclass(frozen=True)
class Digest:
    """What one notification says: one notice, or a summary of several that came at once."""

    title: str
    text: str
    notices: tuple[Notice, ...]


def digest(notices: Sequence[Notice], limit: int = MAX_SEPARATE) -> list[Digest]:
    """One notification per notice, or ONE for all when more than ``limit`` came together (a
    100-task array ending is one notification, not a hundred)."""
    if len(notices) <= limit:
        return [Digest(n.title, n.text, (n,)) for n in notices]
    by_cluster: dict[str, dict[str, int]] = {}
    for notice in notices:
        events = by_cluster.setdefault(notice.cluster, {})
        title = TITLES.get(notice.event, notice.event)
        events[title] = events.get(title, 0) + 1
    text = "; ".join(
        f"{cluster}: " + ", ".join(f"{count} {title}" for title, count in events.items())
        for cluster, events in by_cluster.items()
    )
    return [Digest(f"{len(notices)} job events", text, tuple(notices))]


# ---------------------------------------------------------------- the user's rules


def wants(rules: Notifications, notice: Notice, *, named: bool = False) -> bool:
    """Whether the rules ask for this notice; ``named``: a job the user named explicitly
    (`hpctui watch alpha:123`), for which only the event filter applies."""
    if notice.event not in rules.events and notice.event != "lost":
        return False
    if named:
        return True
    if rules.clusters and notice.cluster not in rules.clusters:
        return False
    return not rules.jobs or any(fnmatch.fnmatchcase(notice.job_name, glob) for glob in rules.jobs)


def in_quiet_hours(quiet: str | None, minute_of_day: int) -> bool:
    """Whether ``minute_of_day`` (local) falls in ``quiet`` ("22:00-07:00", may span midnight)."""
    span = quiet_span(quiet) if quiet else None
    if span is None:
        return False
    start, end = span
    if start <= end:
        return start <= minute_of_day < end
    return minute_of_day >= start or minute_of_day < end
