"""Endings: one sacct at a time per cluster, shared by whoever asks; an end is asked once."""

from __future__ import annotations

import asyncio

from hpctui.services.endings import Endings
from hpctui.slurm.formats import DELIMITER, SACCT_FIELDS
from hpctui.ssh.types import Result


def row(job_id: str, state: str, partition: str = "cpu") -> str:
    fields = [job_id, "train", partition, "00:00:10", "01:00:00", "", "", state, "0:0", "", "", "/w"]
    return DELIMITER.join(fields + [""] * (len(SACCT_FIELDS) - len(fields))) + "\n"


class Link:
    def __init__(self, states: dict[str, str]) -> None:
        self.states = states
        self.asked: list[str] = []
        self.running = 0
        self.most = 0

    async def run(self, command: str) -> Result:
        self.asked.append(command)
        self.running += 1
        self.most = max(self.most, self.running)
        await asyncio.sleep(0.01)
        self.running -= 1
        rows = "".join(row(job_id, *state.split("@")) for job_id, state in self.states.items() if job_id in command)
        return Result(command, 0, rows, "")


async def test_two_askers_at_once_cost_one_sacct_and_an_end_is_never_asked_again() -> None:
    link = Link({"7": "FAILED", "8": "COMPLETED"})
    endings = Endings(link, "alpha")  # type: ignore[arg-type]
    tab, overview = await asyncio.gather(endings.lookup(["7", "8"]), endings.lookup(["8", "7"]))
    assert (
        {k: r.state for k, r in tab.items()}
        == {k: r.state for k, r in overview.items()}
        == {
            "7": "FAILED",
            "8": "COMPLETED",
        }
    )
    assert len(link.asked) == 1 and link.most == 1
    await endings.lookup(["7"])
    assert len(link.asked) == 1


async def test_a_job_accounting_still_calls_running_is_asked_again() -> None:
    link = Link({"9": "RUNNING"})
    endings = Endings(link, "alpha")  # type: ignore[arg-type]
    assert (await endings.lookup(["9"]))["9"].state == "RUNNING"
    link.states["9"] = "TIMEOUT"
    assert (await endings.lookup(["9"]))["9"].state == "TIMEOUT"
    assert len(link.asked) == 2 and "--user" not in link.asked[0]


async def test_a_stand_in_record_is_not_kept() -> None:
    link = Link({"5": "COMPLETED@"})  # sacct's stand-in: ended, but no partition yet
    endings = Endings(link, "alpha")  # type: ignore[arg-type]
    await endings.lookup(["5"])
    link.states["5"] = "COMPLETED@gpu"
    assert (await endings.lookup(["5"]))["5"].partition == "gpu"
    assert len(link.asked) == 2


async def test_who_waited_for_a_sacct_takes_its_answer_while_accounting_lags() -> None:
    link = Link({"9": "RUNNING"})  # accounting has not heard of the end yet
    endings = Endings(link, "alpha")  # type: ignore[arg-type]
    tab, notices = await asyncio.gather(endings.lookup(["9"]), endings.lookup(["9"]))
    assert tab["9"].state == notices["9"].state == "RUNNING"
    assert len(link.asked) == 1
    link.states["9"] = "COMPLETED"
    assert (await endings.lookup(["9"]))["9"].state == "COMPLETED"  # a later poll asks again
    assert len(link.asked) == 2
