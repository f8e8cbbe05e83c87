"""One line per cluster: connection, queued jobs by state, free GPUs, data age, refresh
interval and the purge warning. The line never wraps: the least useful parts go first when
the terminal is narrow (``fit_groups``). Jobs that ended are counted by the table's
"recently finished" line, not here.

Ages and retry countdowns tick: while the line is on screen it is rebuilt every second (every
5 s once the data is over a minute old, never when nothing on it depends on the time), and
repainted only when its text changed, without a layout unless its number of lines changed.
The Slurm error of the last poll, if any, shows on a second line.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from operator import attrgetter

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from hpctui.format import age
from hpctui.slurm.models import ENDED_STATES, Snapshot
from hpctui.ssh.types import LinkState, LinkStatus
from hpctui.ui.columns import state_category
from hpctui.visible import visible

LINK_LOOK: dict[LinkState, tuple[str, str]] = {
    LinkState.CONNECTED: ("●", "$success"),
    LinkState.CONNECTING: ("◌", "$warning"),
    LinkState.AUTHENTICATING: ("◌", "$warning"),
    LinkState.BACKING_OFF: ("↻", "$warning"),
    LinkState.FAILED: ("✖", "$error"),
    LinkState.DISCONNECTED: ("○", "$text-muted"),
}

RETRYABLE = frozenset({LinkState.FAILED, LinkState.BACKING_OFF})
Part = tuple[str, str] | str
SEP = ("  ·  ", "$text-muted")
TICK_S = 1.0
SLOW_TICK_S = 5.0  # once the data is older than SLOW_AFTER_S and no countdown runs
SLOW_AFTER_S = 60.0
CALM_TICK_S = 15.0  # nobody looking (the terminal unfocused, or no key for a while)
PURGE_ERROR_CHARS = 60


def link_parts(status: LinkStatus, now: float) -> list[Part]:
    icon, style = LINK_LOOK.get(status.state, ("?", "$text-muted"))
    parts: list[Part] = [(f"{icon} {status.state.value}", style)]
    # ``detail`` is "next try in N s" while backing off: the countdown below replaces it.
    reason = status.reason or ("" if status.retry_at is not None else status.detail)
    if status.state in (LinkState.FAILED, LinkState.BACKING_OFF) and reason:
        parts.append((f": {visible(reason)}", style))
    if status.state is LinkState.BACKING_OFF and status.retry_at is not None:
        parts.append(f" (next try in {max(0, math.ceil(status.retry_at - now))} s)")
    return parts


def job_count_parts(counts: Counter[str]) -> list[Part]:
    if not counts:
        return [("no jobs queued", "$text-muted")]
    parts: list[Part] = []
    for state, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        if parts:
            parts.append(" ")
        parts.append((f"{count} {state.lower()}", f"$state-{state_category(state)}"))
    return parts


def gpu_parts(snapshot: Snapshot, watched: tuple[str, ...]) -> list[Part]:
    by_name = {p.name: p for p in snapshot.partitions}
    parts: list[Part] = []
    for name in watched:
        if parts:
            parts.append(" ")
        summary = by_name.get(name)
        text = f"{name} {summary.free}/{summary.total} GPUs free" if summary else f"{name} ?"
        parts.append((text, "$text-accent" if summary and summary.free else "$text-muted"))
    return parts


def age_parts(snapshot: Snapshot | None, now: float) -> list[Part]:
    if snapshot is None or snapshot.jobs_at is None:
        return [("no data yet", "$text-muted")]
    return [f"updated {age(now - snapshot.jobs_at)} ago"]


def same_height(before: str, after: str, width: int) -> bool:
    """Whether ``after`` surely takes as many lines as ``before`` at ``width`` cells (then the
    new text needs a repaint, not a layout): the same lines, none of them wrapped."""
    lines = [*before.split("\n"), *after.split("\n")]
    return before.count("\n") == after.count("\n") and all(cell_len(line) <= width for line in lines)


def purge_parts(badge: str | None, error: str | None) -> list[Part]:
    if badge:
        return [(f"⚠ {badge}", "$text-warning")]
    if error:
        short = error if len(error) <= PURGE_ERROR_CHARS else error[: PURGE_ERROR_CHARS - 1] + "…"
        return [(f"purge check failed: {short}", "$text-muted")]
    return []


class StatusLine(Static):
    DEFAULT_CSS = """
    StatusLine { height: auto; padding: 0 1; }
    """

    class RetryRequested(Message):
        """The user clicked the line of a cluster whose link failed or backs off: connect now."""

        def __init__(self, cluster: str) -> None:
            super().__init__()
            self.cluster = cluster

    def __init__(
        self,
        cluster: str,
        interval_s: float,
        clock: Callable[[], float],
        *,
        watched: tuple[str, ...] = (),
        show_name: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.cluster = cluster
        self.interval_s = interval_s
        self.clock = clock  # what "now" is for ages and countdowns (fixed in snapshot tests)
        self.watched = watched
        self.show_name = show_name
        self.status = LinkStatus(cluster, LinkState.DISCONNECTED)
        self.snapshot: Snapshot | None = None
        self.counts: Counter[str] = Counter()  # jobs by state, counted once per snapshot
        self.note = ""  # e.g. the filter in effect
        self.purge: list[Part] = []
        self._shown: tuple[object, ...] = ()
        self._been_on_screen = False  # before its first layout a line is never "on screen"
        self._next_tick = 0.0
        self.calm = False  # nobody is looking: see set_calm

    def on_mount(self) -> None:
        self._ticker = self.set_interval(TICK_S, self._tick, pause=True)  # on_show starts it
        self.redraw()

    def on_show(self) -> None:
        self._been_on_screen = True
        self._ticker.resume()
        self.redraw()

    def on_click(self, event: events.Click) -> None:
        if self.status.state in RETRYABLE:
            event.stop()
            self.post_message(self.RetryRequested(self.cluster))

    def on_resize(self) -> None:
        self.redraw()  # what fits on the line changed

    def on_hide(self) -> None:
        self._ticker.pause()

    def _tick(self) -> None:
        if self.clock() >= self._next_tick and self.screen.is_current and self.is_on_screen:
            self.redraw()

    def _tick_delay(self, now: float) -> float:
        """Seconds until the text can change by itself (a countdown or the data's age)."""
        if self.calm:
            return CALM_TICK_S
        if self.status.state is LinkState.BACKING_OFF and self.status.retry_at is not None:
            return TICK_S
        if self.snapshot is None or self.snapshot.jobs_at is None:
            return math.inf
        return TICK_S if now - self.snapshot.jobs_at < SLOW_AFTER_S else SLOW_TICK_S

    def set_status(self, status: LinkStatus) -> None:
        self.status = status
        self._changed()

    def set_snapshot(self, snapshot: Snapshot) -> None:
        if snapshot.jobs is not getattr(self.snapshot, "jobs", None):
            states = Counter(map(attrgetter("state"), snapshot.jobs))
            self.counts = Counter({state: n for state, n in states.items() if state not in ENDED_STATES})
        self.snapshot = snapshot
        self._changed()

    def set_calm(self, calm: bool) -> None:
        """Nobody is looking (the age and countdowns need no redraw each second for nobody),
        or somebody is again: then the line is brought up to date at once."""
        self.calm = calm
        self._changed()

    def set_note(self, note: str) -> None:
        self.note = note
        self._changed()

    def set_purge(self, badge: str | None, error: str | None = None) -> None:
        """The purge check's badge (None: nothing at risk), or why the check failed."""
        self.purge = purge_parts(badge, error)
        self._changed()

    def _changed(self) -> None:
        """Redraw now when on screen or not yet shown (the first frame says what the tab was
        told at mount; a tab never looked at stays current, at the idle poll rate); else
        ``on_show`` will."""
        if not self._been_on_screen or self.is_on_screen:
            self.redraw()

    def redraw(self) -> None:
        now = self.clock()
        self._next_tick = now + self._tick_delay(now)
        content = self.line_content(now)
        shown = (content.plain, tuple(content.spans))
        if shown == self._shown:
            return
        same = bool(self._shown) and same_height(str(self._shown[0]), content.plain, self.size.width)
        self._shown = shown
        self.update(content, layout=not same)

    def line_content(self, now: float) -> Content:
        """The line (cut to the widget's width), then the poll's error or warning, if any."""
        width = self.content_region.width
        groups: list[tuple[int, list[Part]]] = []  # (how much it matters, the parts)
        if self.show_name:
            groups.append((KEEP, [(self.cluster, "bold")]))
        groups.append((KEEP, link_parts(self.status, now)))
        if self.status.state in RETRYABLE:
            groups.append((2, [("ctrl+r or click: retry now", "$text-muted")]))
        if self.snapshot is not None and self.snapshot.jobs_at is not None:
            groups.append((6, job_count_parts(self.counts)))
            if self.watched:
                groups.append((4, gpu_parts(self.snapshot, self.watched)))
        groups.append((5, age_parts(self.snapshot, now)))
        groups.append((1, [f"every {self.interval_s:g} s"]))
        if self.purge:
            groups.append((3, self.purge))
        if self.note:
            groups.append((5, [(self.note, "$text-accent")]))
        line = fit_groups([parts for _, parts in groups], [rank for rank, _ in groups], width)
        # While the link is down the poller's error only repeats what the link part says.
        problem: Part | None = None
        if self.snapshot is not None and self.snapshot.error and self.status.state is LinkState.CONNECTED:
            problem = ("⚠ " + visible(self.snapshot.error), "$text-error")
        elif self.snapshot is not None and self.snapshot.warnings:
            problem = ("⚠ " + visible(self.snapshot.warnings[0]), "$text-warning")
        if problem is None:
            return line
        return Content("\n").join([line, Content.assemble(problem)])


KEEP = 9  # a group that stays whatever the width (the cluster, its link)


def fit_groups(groups: list[list[Part]], ranks: list[int], width: int) -> Content:
    """The groups joined by separators on one line of ``width`` cells (any width when 0):
    the groups that matter least go until it fits, then the rest is cut."""
    kept = list(range(len(groups)))

    def assemble() -> Content:
        parts: list[Part] = []
        for i in kept:
            if parts:
                parts.append(SEP)
            parts.extend(groups[i])
        return Content.assemble(*parts)

    line = assemble()
    while width > 0 and line.cell_length > width:
        droppable = [i for i in kept if ranks[i] < KEEP]
        if not droppable:
            return line.truncate(width, ellipsis=True)
        kept.remove(min(droppable, key=lambda i: (ranks[i], -i)))
        line = assemble()
    return line
