"""`hpctui watch`: a wrong CLUSTER:JOBID is one clear line and exit 2, before any connection."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from publisher import Publisher
from test_notices import job

from hpctui.cli import main
from hpctui.slurm.models import Snapshot
from hpctui.ssh.types import LinkState

CONFIG = "clusters:\n  - name: alpha\n    ssh: {host: a.example}\n"
TWO = CONFIG + "  - name: beta\n    ssh: {host: b.example}\n"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("alpha", "hpctui: not CLUSTER:JOBID: 'alpha' (e.g. alpha:123)"),
        ("zeta:12", "hpctui: unknown cluster 'zeta' (configured: alpha)"),
        ("alpha:12;rm", "hpctui: not a single job id: '12;rm' (expected 123, 123_4)"),
        ("alpha:1_[1-3]", "hpctui: not a single job id: '1_[1-3]' (expected 123, 123_4)"),
    ],
)
def test_a_wrong_target_is_one_line_and_exit_2(tmp_path, capsys, target: str, message: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    assert main(["--config", str(config), "watch", target, "--until-done"]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [message] and captured.out == ""


class FakeLink:
    def __init__(self) -> None:
        self.status = SimpleNamespace(state=LinkState.CONNECTED)
        self.started = self.closed = False

    async def start(self) -> None:
        self.started = True

    async def close(self) -> None:
        self.closed = True


class FakeSession(SimpleNamespace):
    """ClusterSession's start and close over the fake link and poller."""

    async def start(self, *, purge: bool = True) -> None:
        self.purge = purge
        await self.link.start()
        self.poller.start()

    async def close(self) -> None:
        await self.poller.stop()
        await self.link.close()


class FakePoller(Publisher):
    """Publishes one good snapshot (``jobs``) once started."""

    def __init__(self, name: str, jobs: tuple, interval_s: float = 60.0) -> None:
        super().__init__()
        self.name, self.jobs, self.interval_s = name, jobs, interval_s
        self.latest = Snapshot(name)  # nothing polled yet
        self.watched = True
        self.running = False

    def set_watched(self, watched: bool) -> None:
        self.watched = watched

    def poll(self, jobs_at: float) -> None:
        self.latest = Snapshot(self.name, jobs=self.jobs, jobs_at=jobs_at)
        self.publish(self.latest)

    def start(self) -> None:
        self.running = True
        asyncio.get_running_loop().call_later(0.01, self.poll, 1.0)

    async def stop(self) -> None:
        self.running = False


def test_a_headless_watch_polls_at_the_idle_pace_and_ends_at_once_with_nothing_to_wait_for(
    tmp_path, capsys, monkeypatch
) -> None:
    sessions = []

    def session(cluster, prompter=None):
        jobs = (job("7", "COMPLETED"),)  # ended before the watch: nothing to wait for
        made = FakeSession(name=cluster.name, cluster=cluster, link=FakeLink(), poller=FakePoller(cluster.name, jobs))
        sessions.append(made)
        return made

    monkeypatch.setattr("hpctui.services.cluster.ClusterSession", session)
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG + "notifications: {desktop: []}\n")
    assert main(["--config", str(config), "watch", "--until-done"]) == 0
    [made] = sessions
    assert made.poller.watched is False  # nobody looks at a headless watcher: the idle pace
    assert not made.poller.running and made.link.started and made.link.closed
    assert made.purge is False  # purge warnings are the TUI's
    assert capsys.readouterr().out == (
        "watching your jobs in the queue of alpha until they end (polling every 60 s; Ctrl-C stops)\n"
    )


class PollingAgain(FakePoller):
    """A good snapshot every few milliseconds while started, as the poller does every minute."""

    def start(self) -> None:
        self.running = True
        self._publish(1.0)

    def _publish(self, jobs_at: float) -> None:
        if self.running:
            self.poll(jobs_at)
            asyncio.get_running_loop().call_later(0.02, self._publish, jobs_at + 1)


class NoAccounting:
    """Endings of a cluster whose accounting knows none of the jobs asked."""

    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    async def lookup(self, job_ids) -> dict:
        self.asked.append(list(job_ids))
        return {}


def fake_sessions(monkeypatch, made: list, jobs: tuple = (), paces: dict | None = None) -> None:
    def session(cluster, prompter=None):
        poller = PollingAgain(cluster.name, jobs, (paces or {}).get(cluster.name, 60.0))
        made.append(FakeSession(name=cluster.name, link=FakeLink(), poller=poller, endings=NoAccounting()))
        return made[-1]

    monkeypatch.setattr("hpctui.services.cluster.ClusterSession", session)


def test_watch_says_at_once_what_it_watches_and_an_unknown_job_after_the_first_poll(
    tmp_path, capsys, monkeypatch
) -> None:
    sessions: list = []
    fake_sessions(monkeypatch, sessions, jobs=(job("7", "COMPLETED"),), paces={"beta": 120.0})
    config = tmp_path / "config.yaml"
    config.write_text(TWO + "notifications: {desktop: []}\n")
    assert main(["--config", str(config), "watch", "alpha:99", "beta:7", "--until-done"]) == 1
    first, *events = capsys.readouterr().out.splitlines()
    assert first == "watching alpha:99, beta:7 until they end (polling every 60 to 120 s; Ctrl-C stops)"
    assert sorted(line.split(" ", 2)[2] for line in events) == [
        "alpha 99: unknown to accounting — not in the queue nor in accounting",
        "beta 7 (train): completed",
    ]
    alpha = sessions[0]
    assert alpha.endings.asked == [["99"]]  # said after the first poll's sacct, not a minute later


def test_watch_without_jobs_names_the_clusters(tmp_path, capsys, monkeypatch) -> None:
    fake_sessions(monkeypatch, [], paces={"alpha": 90.0, "beta": 90.0})
    config = tmp_path / "config.yaml"
    config.write_text(TWO + "notifications: {desktop: []}\n")
    assert main(["--config", str(config), "watch", "--until-done"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "watching your jobs in the queue of alpha, beta until they end (polling every 90 s; Ctrl-C stops)"
    ]
