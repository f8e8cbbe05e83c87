"""Backoff schedule and channel budget, alone and on a real SSH connection to a strict server."""

from __future__ import annotations

import asyncio
import contextlib
import random

import pytest
from sshserver import LocalSshServer

from hpctui.ssh.backoff import Backoff
from hpctui.ssh.budget import ChannelBudget, Kind
from hpctui.ssh.link import ClusterLink

# ---- backoff --------------------------------------------------------------------------------


def test_backoff_ceiling_doubles_from_one_second_up_to_thirty():
    backoff = Backoff()
    assert [backoff.ceiling(n) for n in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert backoff.ceiling(10_000) == 30


def test_backoff_full_jitter_spans_zero_to_the_ceiling():
    lowest = Backoff(rand=lambda: 0.0)
    highest = Backoff(rand=lambda: 0.999999)
    assert [lowest.next_delay() for _ in range(4)] == [0, 0, 0, 0]
    assert [round(highest.next_delay(), 3) for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]


def test_backoff_delays_stay_within_bounds_and_reset():
    backoff = Backoff(rand=random.Random(7).random)
    for attempt in range(12):
        delay = backoff.next_delay()
        assert 0 <= delay <= backoff.ceiling(attempt)
    spread = {round(Backoff(rand=random.Random(seed).random).next_delay(), 6) for seed in range(20)}
    assert len(spread) == 20  # jitter: clients that lost the same node do not retry together
    backoff.reset()
    assert backoff.attempt == 0 and backoff.next_delay() <= 1


# ---- budget ---------------------------------------------------------------------------------


async def hold(budget: ChannelBudget, kind: Kind, release: asyncio.Event, log: list[str], name: str) -> None:
    async with budget.slot(kind):
        log.append(name)
        await release.wait()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_cancelling_several_waiters_at_once_raises_only_cancelled_error():
    budget = ChannelBudget(runs=1, streams=1, total=1)
    release, log = asyncio.Event(), []
    holder = asyncio.create_task(hold(budget, Kind.RUN, release, log, "holder"))
    await settle()
    kinds = [Kind.RUN] * 3 + [Kind.STREAM] * 2
    waiters = [asyncio.create_task(hold(budget, kind, release, log, f"w{i}")) for i, kind in enumerate(kinds)]
    await settle()
    release.set()  # the holder wakes first: its release dispatches while the cancelled waiters are queued
    for waiter in waiters:
        waiter.cancel()
    await holder
    outcomes = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(outcome, asyncio.CancelledError) for outcome in outcomes), outcomes
    assert budget.used == {Kind.RUN: 0, Kind.STREAM: 0} and log == ["holder"]
    release.clear()
    again = asyncio.create_task(hold(budget, Kind.STREAM, release, log, "after"))
    await settle()
    assert log == ["holder", "after"]
    release.set()
    await again


async def test_each_kind_has_its_own_cap_within_the_total():
    budget = ChannelBudget(runs=2, streams=1, total=9)
    release, log = asyncio.Event(), []
    tasks = [asyncio.create_task(hold(budget, Kind.RUN, release, log, f"run{i}")) for i in range(3)]
    tasks += [asyncio.create_task(hold(budget, Kind.STREAM, release, log, f"stream{i}")) for i in range(2)]
    await settle()
    assert sorted(log) == ["run0", "run1", "stream0"]
    assert budget.used == {Kind.RUN: 2, Kind.STREAM: 1}
    release.set()
    await asyncio.gather(*tasks)
    assert len(log) == 5 and budget.used == {Kind.RUN: 0, Kind.STREAM: 0}


async def test_a_waiting_run_goes_before_a_waiting_stream():
    budget = ChannelBudget(runs=8, streams=5, total=2)
    first, second, log = asyncio.Event(), asyncio.Event(), []
    held = [asyncio.create_task(hold(budget, Kind.STREAM, first, log, "stream-held"))]
    held.append(asyncio.create_task(hold(budget, Kind.RUN, second, log, "run-held")))
    await settle()
    later = asyncio.Event()
    stream_waiter = asyncio.create_task(hold(budget, Kind.STREAM, later, log, "stream-waiting"))
    await settle()
    run_waiter = asyncio.create_task(hold(budget, Kind.RUN, later, log, "run-waiting"))
    await settle()
    first.set()  # one channel frees up: the run that came later gets it
    await settle()
    assert log == ["stream-held", "run-held", "run-waiting"]
    second.set()
    await settle()
    assert log[-1] == "stream-waiting"
    later.set()
    await asyncio.gather(*held, stream_waiter, run_waiter)


async def test_cancelled_waiters_do_not_leak_channels():
    budget = ChannelBudget(runs=1, streams=1, total=2)
    release, log = asyncio.Event(), []
    holder = asyncio.create_task(hold(budget, Kind.RUN, release, log, "holder"))
    await settle()
    waiters = [asyncio.create_task(hold(budget, Kind.RUN, release, log, f"w{i}")) for i in range(3)]
    await settle()
    for waiter in waiters:
        waiter.cancel()
    release.set()
    await asyncio.gather(holder, *waiters, return_exceptions=True)
    assert budget.used == {Kind.RUN: 0, Kind.STREAM: 0} and budget.waiting(Kind.RUN) == 0
    async with budget.slot(Kind.RUN):
        assert budget.used[Kind.RUN] == 1


def test_budget_refuses_zero_channels():
    with pytest.raises(ValueError):
        ChannelBudget(runs=0, streams=5)


# ---- over a real connection -----------------------------------------------------------------


@pytest.fixture
async def strict_server(tmp_path):
    async with LocalSshServer(tmp_path, max_sessions=3) as server:
        yield server


async def test_refused_channels_are_retried_on_the_same_connection(strict_server):
    """Server allows 3 sessions, the link believes in 8: refusals are waited out, never fatal."""
    link = ClusterLink(strict_server.cluster())
    await link.start()
    await link.wait_connected(10)
    results = await asyncio.gather(*(link.run(f"sleep 0.2; echo {i}") for i in range(12)))
    await link.close()
    assert [result.stdout for result in results] == [f"{i}\n" for i in range(12)]
    assert strict_server.sessions_refused > 0
    assert strict_server.sessions_peak == 3
    assert strict_server.connections_accepted == 1


async def test_runs_and_streams_share_one_connection_under_max_sessions(tmp_path):
    async with LocalSshServer(tmp_path, max_sessions=10) as server:
        link = ClusterLink(server.cluster())
        await link.start()
        await link.wait_connected(10)
        async with contextlib.AsyncExitStack() as stack:
            tails = [await stack.enter_async_context(link.stream(f"echo s{i}; sleep 30")) for i in range(5)]
            firsts = [await anext(tail) for tail in tails]
            results = await asyncio.gather(*(link.run(f"sleep 0.1; echo {i}") for i in range(12)))
            peak = server.sessions_peak
        await link.close()
    assert firsts == [f"s{i}\n".encode() for i in range(5)]
    assert all(result.ok for result in results)
    assert peak == 9  # 5 streams + 4 runs: the total cap, one below MaxSessions
    assert server.sessions_refused == 0 and server.connections_accepted == 1
