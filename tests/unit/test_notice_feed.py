"""NoticeFeed: jobs that left the queue in one poll cost ONE sacct, never two at once per
cluster; a failed sacct is asked again after the next poll; a link not connected says nothing."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from publisher import Publisher
from test_notices import job

from hpctui.services.endings import Endings
from hpctui.services.notice_feed import NoticeFeed
from hpctui.services.notices import Notice, NoticeEngine
from hpctui.slurm.formats import DELIMITER, SACCT_FIELDS
from hpctui.slurm.models import Snapshot
from hpctui.ssh.types import LinkError, LinkState, Result


def sacct_row(job_id: str, state: str, exit_code: str = "0:0") -> str:
    fields = [job_id, "train", "cpu", "00:00:10", "01:00:00", "", "", state, exit_code, "", "", "/w"]
    return DELIMITER.join(fields + [""] * (len(SACCT_FIELDS) - len(fields))) + "\n"


class Link:
    def __init__(self) -> None:
        self.status = SimpleNamespace(state=LinkState.CONNECTED)
        self.commands: list[str] = []
        self.answer = ""
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail = False

    async def run(self, command: str) -> Result:
        self.commands.append(command)
        await self.gate.wait()
        if self.fail:
            raise LinkError("alpha: connection lost")
        return Result(command, 0, self.answer, "")


class Poller(Publisher):
    def __init__(self) -> None:
        super().__init__()
        self.at = 100.0
        self.latest = Snapshot("alpha")  # nothing polled yet

    def poll(self, *jobs, error: str | None = None) -> None:
        self.at += 15
        self.latest = Snapshot("alpha", jobs=jobs, jobs_at=self.at, error=error)
        self.publish(self.latest)


def setup(poller: Poller | None = None) -> tuple[NoticeFeed, Link, Poller, list[Notice]]:
    link, poller = Link(), poller or Poller()
    endings = Endings(link, "alpha")  # type: ignore[arg-type]
    session = SimpleNamespace(
        name="alpha", cluster=SimpleNamespace(queue_user=None), link=link, poller=poller, endings=endings
    )
    notices: list[Notice] = []
    feed = NoticeFeed({"alpha": session}, NoticeEngine(), notices.extend)  # type: ignore[dict-item]
    feed.start()
    return feed, link, poller, notices


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_jobs_leaving_together_cost_one_sacct_and_none_runs_twice_at_once() -> None:
    feed, link, poller, notices = setup()
    poller.poll(job("1", "RUNNING"), job("2", "RUNNING"))
    link.gate.clear()
    poller.poll()
    await settle()
    poller.poll()  # while the sacct runs: no second one
    await settle()
    assert len(link.commands) == 1 and "--jobs=1,2" in link.commands[0]
    link.answer = sacct_row("1", "COMPLETED") + sacct_row("2", "OUT_OF_MEMORY", "0:125")
    link.gate.set()
    await settle()
    assert [(n.job_id, n.event, n.detail) for n in notices] == [
        ("1", "completed", ""),
        ("2", "out_of_memory", "exit 0:125"),
    ]
    poller.poll()
    await settle()
    assert len(link.commands) == 1
    await feed.stop()
    assert poller.callbacks == []


async def test_a_failed_sacct_is_asked_again_after_the_next_poll() -> None:
    _, link, poller, notices = setup()
    poller.poll(job("1", "RUNNING"))
    link.fail = True
    poller.poll()
    await settle()
    assert notices == [] and len(link.commands) == 1
    link.fail, link.answer = False, sacct_row("1", "TIMEOUT")
    poller.poll()
    await settle()
    assert [n.event for n in notices] == ["timeout"] and len(link.commands) == 2


async def test_a_link_not_connected_says_nothing() -> None:
    _, link, poller, notices = setup()
    poller.poll(job("1", "PENDING"))
    link.status.state = LinkState.BACKING_OFF
    poller.poll(job("1", "RUNNING"))
    await settle()
    assert notices == [] and link.commands == []


async def test_a_poll_made_before_the_feed_started_is_its_first_look() -> None:
    """The TUI's first poll often lands before the app (and its feed) is up: a job that ends
    right after it is still announced, and the first look itself announces nothing."""
    early = Poller()
    early.poll(job("1", "RUNNING"))
    _, link, poller, notices = setup(early)
    link.answer = sacct_row("1", "FAILED", "3:0")
    poller.poll()
    await settle()
    assert [(n.job_id, n.event) for n in notices] == [("1", "failed")]
