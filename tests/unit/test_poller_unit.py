"""The Poller with a scripted link: one odd record or section costs only itself, a failing
sinfo is not retried on every poll, a refresh asked for during a poll is not dropped."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from hpctui.config.model import Cluster, Refresh, SshTarget
from hpctui.services.poller import MAX_STRETCH, Poller
from hpctui.slurm.formats import SECTION_MARK
from hpctui.ssh.types import LinkState, LinkStatus

FIXTURES = Path(__file__).parent.parent / "fixtures" / "slurm"
SQUEUE = (FIXTURES / "alpha_squeue.txt").read_text()
SINFO = (FIXTURES / "alpha_sinfo.txt").read_text()
US = "\x1f"
# A node line of OSC's Ascend as sinfo printed it (OSC/ood_core spec/fixtures/output/slurm/sinfo_gres.txt):
# typed no_consume GRES beside four A100s, all four in use.
OSC_GRES = ("gpu:a100:4(S:0-3),nsight:no_consume:1,pfsdir:scratch:no_consume:1,gpfs:scratch:no_consume:1,"
            "gpfs:ess:no_consume:1,vis:no_consume:1,overlay:apps:no_consume:1,overlay:apps_src:no_consume:1,"
            "bind:apps:no_consume:1,bind:apps_src:no_consume:1")  # fmt: skip
OSC_USED = ("gpu:a100:4(IDX:0-3),pfsdir:scratch:0,gpfs:scratch:0,gpfs:ess:0,vis:0,nsight:0,overlay:apps:0,"
            "overlay:apps_src:0,bind:apps:0,bind:apps_src:0")  # fmt: skip
OSC_NODE = US.join(["a0001", "a0001", "gpu", "alloc", OSC_GRES, OSC_USED, "48/0/0/48", "491520"]) + US + "\n"


def poll_output(squeue: str, sinfo: str | None = None, squeue_err: str = "", sinfo_err: str = "") -> str:
    text = f"{SECTION_MARK}out squeue\n{squeue}{SECTION_MARK}err squeue 0\n{squeue_err}\n"
    if sinfo is not None:
        text += f"{SECTION_MARK}out sinfo\n{sinfo}{SECTION_MARK}err sinfo 0\n{sinfo_err}\n"
    return text


@dataclass
class Result:
    stdout: str


class FakeLink:
    """Answers each poll with ``answer(command)``; ``gate`` (when set) holds a poll open."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.commands: list[str] = []
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()
        self.status = LinkStatus("c", LinkState.CONNECTED)

    def subscribe(self, callback):
        return lambda: None

    async def run(self, command: str, **kwargs) -> Result:
        self.commands.append(command)
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        return Result(self.answer(command))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def cluster(queue_s: float = 15.0, gpus_s: float = 60.0) -> Cluster:
    return Cluster(name="c", ssh=SshTarget(host="c.example"), refresh=Refresh(queue_s=queue_s, gpus_s=gpus_s))


def answer_with(sinfo: str, squeue: str = SQUEUE, sinfo_err: str = ""):
    return lambda command: poll_output(squeue, sinfo if "sinfo" in command else None, sinfo_err=sinfo_err)


async def test_a_bad_node_row_is_a_warning_and_the_jobs_and_other_nodes_stay_live():
    bad = US.join(["x1", "x1", "gpu", "idle", "gpu:a100:(4", "gpu:0", "0/8/0/8", "1"]) + US + "\n"
    poller = Poller(FakeLink(answer_with(SINFO + bad + OSC_NODE)), cluster(), clock=Clock())
    snapshot = await poller.poll_once()
    assert snapshot.error is None
    assert len(snapshot.jobs) == len([line for line in SQUEUE.split("\n") if line])
    assert {n.name for n in snapshot.nodes} == {"a1", "a2", "a3", "a0001"}
    (warning,) = snapshot.warnings
    assert "'x1'" in warning and "gpu:a100:(4" in warning


async def test_the_osc_no_consume_node_shows_its_four_a100s():
    poller = Poller(FakeLink(answer_with(OSC_NODE)), cluster(), clock=Clock())
    snapshot = await poller.poll_once()
    (gpu,) = snapshot.partitions
    assert (gpu.gpus_total, gpu.alloc, gpu.free) == ({"a100": 4}, 4, 0)
    assert snapshot.jobs and snapshot.warnings == ()


async def test_a_failing_sinfo_leaves_the_jobs_live_shows_once_and_is_not_retried_every_poll():
    clock = Clock()
    error = "slurm_load_node error: Socket timed out on send/recv operation"
    link = FakeLink(answer_with("", sinfo_err=error))
    link.answer = lambda command: poll_output(SQUEUE, "" if "sinfo" in command else None, sinfo_err=error)
    poller = Poller(link, cluster(queue_s=15, gpus_s=60), clock=clock)
    first = await poller.poll_once()
    assert first.error is None and first.jobs and first.jobs_at is not None
    assert first.warnings == (f"sinfo: {error}",)
    assert "sinfo" in link.commands[0]
    clock.now += poller._next_queue - clock.now  # the next queue poll is due: sinfo is not
    second = await poller.poll_once()
    assert "sinfo" not in link.commands[1]
    assert second.warnings == first.warnings and second.error is None


async def test_a_failing_squeue_leaves_the_nodes_live():
    error = "slurm_load_jobs error: Unable to contact slurm controller (connect failure)"
    link = FakeLink(lambda command: poll_output("", SINFO if "sinfo" in command else None, squeue_err=error))
    poller = Poller(link, cluster(), clock=Clock())
    snapshot = await poller.poll_once()
    assert snapshot.error == f"squeue: {error}"
    assert {n.name for n in snapshot.nodes} == {"a1", "a2", "a3"} and snapshot.nodes_at is not None
    assert snapshot.jobs_at is None


async def test_rate_limiting_stretches_the_interval_like_an_overloaded_controller():
    error = "slurm_load_jobs error: Rate limit exceeded, please retry momentarily"
    link = FakeLink(lambda command: poll_output("", None, squeue_err=error))
    poller = Poller(link, cluster(queue_s=10, gpus_s=10), clock=Clock())
    for _ in range(4):
        await poller.poll_once()
    assert poller.interval_s == 10 * MAX_STRETCH


async def test_a_rate_limited_sinfo_also_stretches():
    error = "slurm_load_partitions: Rate limit exceeded, please retry momentarily"
    link = FakeLink(lambda command: poll_output(SQUEUE, "" if "sinfo" in command else None, sinfo_err=error))
    poller = Poller(link, cluster(queue_s=10, gpus_s=10), clock=Clock())
    snapshot = await poller.poll_once()
    assert snapshot.jobs and snapshot.error is None
    assert poller.interval_s == 20


async def test_a_job_name_with_the_delimiter_and_a_newline_keeps_the_poll_and_the_name():
    row = SQUEUE.split("\n")[0]
    odd = row[: row.rindex(US, 0, -1) + 1] + f"a{US}b\nc{US}\nd" + US
    poller = Poller(FakeLink(answer_with(SINFO, squeue=SQUEUE + odd + "\n")), cluster(), clock=Clock())
    snapshot = await poller.poll_once()
    assert snapshot.error is None and snapshot.warnings == ()
    assert [j.name for j in snapshot.jobs][-1] == f"a{US}b\nc{US}\nd"


async def test_a_refresh_asked_for_during_a_poll_runs_right_after_it():
    link = FakeLink(answer_with(SINFO))
    link.gate = asyncio.Event()
    poller = Poller(link, cluster(queue_s=3600, gpus_s=3600))
    poller.start()
    try:
        await asyncio.wait_for(link.started.wait(), 5)
        poller.refresh_now(nodes=True)  # the poll in flight may predate what the user just did
        link.gate.set()
        async with asyncio.timeout(10):
            while poller.polls < 2:
                await asyncio.sleep(0.01)
        assert len(link.commands) == 2 and "sinfo" in link.commands[1]
    finally:
        await poller.stop()


async def test_a_cluster_nobody_looks_at_polls_at_the_idle_pace_and_at_once_when_looked_at_again():
    clock = Clock()
    poller = Poller(FakeLink(answer_with(SINFO)), cluster(queue_s=15, gpus_s=60), clock=clock)
    await poller.poll_once()
    assert poller._next_queue == clock.now + 15 and poller.interval_s == 15
    poller.set_watched(False)
    await poller.poll_once()
    assert poller._next_queue == clock.now + 60 and poller.interval_s == 60  # squeue: 2 RPCs a minute
    clock.now = poller._next_nodes
    await poller.poll_once()  # with sinfo (2 RPCs) at most every 120 s: 3 RPCs a minute in all
    assert poller._next_nodes == clock.now + 120
    poller.set_watched(True)
    assert poller._next_queue == 0.0  # looked at again: poll at once
