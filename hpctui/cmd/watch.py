"""`hpctui watch [CLUSTER:JOBID ...] [--until-done]`: the TUI's notifications, headless.

One line per event on stdout, desktop notifications as the config says. Polls at the idle
pace (nobody looks at a headless watcher: about 3 RPCs a minute per cluster). With
``--until-done`` it exits when the watched jobs (those named, else those in the queue at the
start) have ended: 0 when all completed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from hpctui.cmd.common import add_config_option, pick_clusters, terminal_prompter
from hpctui.config.load import load_config
from hpctui.config.model import Config
from hpctui.errors import UserError
from hpctui.services.desktop import Desktop
from hpctui.services.notices import Notice, NoticeEngine, digest, wants
from hpctui.slurm.commands import validate_job_id
from hpctui.slurm.models import ENDED_STATES, Snapshot
from hpctui.visible import visible

STARTING = ("connecting", "authenticating")  # the link's first states: not worth a line

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "watch", help="print job events (ended, failed, ...) as they happen, with desktop notifications"
    )
    add_config_option(parser)
    parser.add_argument("jobs", nargs="*", metavar="CLUSTER:JOBID", help="only these jobs (default: all yours)")
    parser.add_argument("--cluster", action="append", metavar="NAME", help="only this cluster (repeatable)")
    parser.add_argument(
        "--until-done", action="store_true", help="exit when the jobs have ended: 0 if all completed, 1 otherwise"
    )
    parser.set_defaults(func=run)


def parse_target(config: Config, text: str) -> tuple[str, str]:
    """``alpha:123`` -> ("alpha", "123"); UserError for anything else."""
    cluster, colon, job_id = text.partition(":")
    if not colon:
        raise UserError(f"not CLUSTER:JOBID: {text!r} (e.g. alpha:123)")
    return config.cluster(cluster).name, validate_job_id(job_id, single=True)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    targets = [parse_target(config, text) for text in args.jobs]
    names = list(dict.fromkeys([*(args.cluster or []), *(cluster for cluster, _ in targets)]))
    clusters = pick_clusters(config, names)
    return asyncio.run(Watch(config, targets, args.until_done, len(clusters)).run(clusters))


@dataclass
class Watch:
    config: Config
    targets: list[tuple[str, str]]
    until_done: bool
    cluster_count: int
    out: TextIO = field(default_factory=lambda: sys.stdout)
    pending: set[tuple[str, str]] = field(default_factory=set)  # watched jobs not ended yet
    outcomes: dict[tuple[str, str], str] = field(default_factory=dict)  # watched job -> its ending
    errors: dict[str, str | None] = field(default_factory=dict)  # cluster -> its last poll error
    looked: set[str] = field(default_factory=set)  # clusters that answered a poll

    def __post_init__(self) -> None:
        self.pending = set(self.targets)
        self.done = asyncio.Event()

    async def run(self, clusters: list) -> int:
        from hpctui.services.notice_feed import NoticeFeed

        rules = self.config.notifications
        engine = NoticeEngine(rules.silent_min * 60, rules.plateau_min * 60)
        for cluster, job_id in self.targets:
            engine.seed(cluster, [job_id])
        with _terminal() as write:
            self.desktop = Desktop(rules, write)
            async with _polling(clusters) as sessions:
                print(visible(self._opening(sessions)), file=self.out, flush=True)
                feed = NoticeFeed(sessions, engine, self.tell)
                feed.start()
                for session in sessions.values():
                    session.poller.subscribe(self._first_look(session))
                try:
                    await self.done.wait()
                finally:
                    await feed.stop()
                    await self.desktop.close()
        return 0 if all(event == "completed" for event in self.outcomes.values()) else 1

    def _opening(self, sessions: dict[str, ClusterSession]) -> str:
        """The line said at once, before the first poll (a minute or more) has anything to say."""
        if self.targets:
            watched = ", ".join(f"{cluster}:{job_id}" for cluster, job_id in self.targets)
        else:
            watched = f"your jobs in the queue of {', '.join(sessions)}"
        paces = sorted({round(session.poller.interval_s) for session in sessions.values()})
        every = f"{paces[0]} s" if len(paces) == 1 else f"{paces[0]} to {paces[-1]} s"
        until = (" until it ends" if len(self.targets) == 1 else " until they end") if self.until_done else ""
        return f"watching {watched}{until} (polling every {every}; Ctrl-C stops)"

    def _first_look(self, session: ClusterSession) -> Callable[[Snapshot], None]:
        """Reports poll failures on stderr; without named jobs, ``--until-done`` watches the
        jobs the first good poll shows (and exits at once when there is none)."""

        def look(snapshot: Snapshot) -> None:
            self._report_error(snapshot)
            if session.name in self.looked or snapshot.error is not None or snapshot.jobs_at is None:
                return
            self.looked.add(session.name)
            if self.until_done and not self.targets:
                self.pending |= {(session.name, job_id) for job_id in _unfinished(snapshot)}
                self._check_done()

        return look

    def _report_error(self, snapshot: Snapshot) -> None:
        """A cluster that stops or starts answering, once it answered (not while connecting)."""
        if snapshot.cluster not in self.looked and snapshot.error in (None, *STARTING):
            return
        if self.errors.get(snapshot.cluster) != snapshot.error:
            self.errors[snapshot.cluster] = snapshot.error
            what = f"not answering ({snapshot.error})" if snapshot.error else "answering again"
            print(visible(f"hpctui watch: {snapshot.cluster}: {what}"), file=sys.stderr, flush=True)

    def tell(self, notices: list[Notice]) -> None:
        """A line each for those the rules (and the named jobs) ask for, the desktop told
        (several at once: one summary); the ends of watched jobs recorded."""
        shown = [notice for notice in notices if self._wanted(notice)]
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        for notice in shown:
            print(visible(f"{stamp} {notice.text}"), file=self.out, flush=True)
        for summary in digest(shown):
            self.desktop.send(summary.title, summary.text)
        for notice in notices:
            job = (notice.cluster, notice.job_id)
            if notice.ended and job in self.pending:
                self.pending.discard(job)
                self.outcomes[job] = notice.event
        self._check_done()

    def _wanted(self, notice: Notice) -> bool:
        named = (notice.cluster, notice.job_id) in self.targets
        return (not self.targets or named) and wants(self.config.notifications, notice, named=named)

    def _check_done(self) -> None:
        everyone_looked = bool(self.targets) or len(self.looked) == self.cluster_count
        if self.until_done and not self.pending and everyone_looked:
            self.done.set()


def _unfinished(snapshot: Snapshot) -> list[str]:
    """The jobs of the queue that will still end (an array's pending remainder never does)."""
    return [job.job_id for job in snapshot.jobs if job.state not in ENDED_STATES and "[" not in job.job_id]


@contextlib.contextmanager
def _terminal() -> Iterator[Callable[[str], None] | None]:
    """A writer to the user's terminal for the escapes (not stdout, which may be a pipe)."""
    try:
        tty = open("/dev/tty", "w")  # noqa: SIM115 - closed below
    except OSError:
        yield None
        return
    with tty:

        def write(text: str) -> None:
            tty.write(text)
            tty.flush()

        yield write


@contextlib.asynccontextmanager
async def _polling(clusters: list):
    """A session per cluster, its link connecting (and reconnecting) and its poller at the
    idle pace; stopped and closed on exit."""
    from hpctui.services.cluster import ClusterSession

    prompter = terminal_prompter()
    sessions = {c.name: ClusterSession(c, prompter) for c in clusters}
    try:
        for session in sessions.values():
            session.poller.set_watched(False)
            await session.start(purge=False)
        yield sessions
    finally:
        await asyncio.gather(*(s.close() for s in sessions.values()), return_exceptions=True)
