"""The notice engine: snapshot diffs in, notices out; accounting confirms what left the queue;
a stale snapshot says nothing; one notice per (cluster, job, event) per session."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hpctui.config.model import DEFAULT_NOTICE_EVENTS, NOTICE_EVENTS, Notifications
from hpctui.services.notices import (
    LOG_EVENTS,
    STATE_EVENTS,
    LogSignals,
    Notice,
    NoticeEngine,
    digest,
    in_quiet_hours,
    wants,
)
from hpctui.slurm.models import AccountingRecord, Job, Snapshot


def job(job_id: str, state: str, name: str = "train") -> Job:
    array, _, task = job_id.partition("_")
    return Job(
        job_id=job_id, array_job_id=array if task else None, array_task_id=task or None, name=name,
        user="me", partition="gpu", state=state, reason="None", time_used_s=1, time_limit_s=60,
        num_nodes=1, nodelist="n1", gpus=0, tres="", submit_time=None, start_time=None,
        stdout_pattern=None, stderr_pattern=None, work_dir=None, cluster="alpha",
    )  # fmt: skip


class Polls:
    """Successive good snapshots of one cluster (each with newer squeue data)."""

    def __init__(self, engine: NoticeEngine, cluster: str = "alpha") -> None:
        self.engine = engine
        self.cluster = cluster
        self.at = 1000.0

    def snapshot(self, *jobs: Job) -> Snapshot:
        self.at += 15
        return Snapshot(cluster=self.cluster, jobs=jobs, jobs_at=self.at)

    def see(self, *jobs: Job, connected: bool = True) -> tuple[list[str], tuple[str, ...]]:
        observation = self.engine.observe(self.snapshot(*jobs), connected)
        return [n.event for n in observation.notices], observation.confirm


def record(job_id: str, state: str, detail: str | None = None, exit_code: str = "0:0") -> AccountingRecord:
    return AccountingRecord(
        job_id=job_id, name="train", partition="gpu", elapsed_s=10, time_limit_s=60, state=state,
        state_detail=detail or state, exit_code=exit_code, start=None, end=None, work_dir=None,
    )  # fmt: skip


def test_the_config_knows_every_event_the_engine_makes() -> None:
    assert set(NOTICE_EVENTS) == set(STATE_EVENTS) | set(LOG_EVENTS)
    assert set(DEFAULT_NOTICE_EVENTS) <= set(NOTICE_EVENTS)
    assert "started" not in DEFAULT_NOTICE_EVENTS and "failed" in DEFAULT_NOTICE_EVENTS


def test_the_first_look_is_a_baseline_then_a_start_is_announced() -> None:
    polls = Polls(NoticeEngine())
    assert polls.see(job("1", "PENDING"), job("2", "RUNNING"), job("3", "COMPLETED")) == ([], ())
    assert polls.see(job("1", "RUNNING"), job("2", "RUNNING"), job("3", "COMPLETED")) == (["started"], ())
    assert polls.see(job("1", "RUNNING"), job("2", "RUNNING"), job("4", "RUNNING")) == (["started"], ())


@pytest.mark.parametrize(
    ("state", "event"),
    [
        ("COMPLETED", "completed"),
        ("FAILED", "failed"),
        ("OUT_OF_MEMORY", "out_of_memory"),
        ("TIMEOUT", "timeout"),
        ("NODE_FAIL", "node_fail"),
        ("BOOT_FAIL", "node_fail"),
        ("PREEMPTED", "preempted"),
        ("CANCELLED", "cancelled"),
        ("DEADLINE", "failed"),
    ],
)
def test_an_end_squeue_shows_is_announced_at_once(state: str, event: str) -> None:
    polls = Polls(NoticeEngine())
    polls.see(job("7", "RUNNING"))
    assert polls.see(job("7", state)) == ([event], ())
    assert polls.see() == ([], ())  # then it leaves the queue: nothing more, no sacct


def test_a_running_job_back_to_pending_is_requeued() -> None:
    polls = Polls(NoticeEngine())
    polls.see(job("7", "RUNNING"))
    assert polls.see(job("7", "PENDING")) == (["requeued"], ())
    polls.see(job("7", "PENDING"))
    assert polls.see(job("7", "RUNNING")) == (["started"], ())


def test_a_job_that_left_the_queue_is_ended_only_when_accounting_says_how() -> None:
    engine = NoticeEngine()
    polls = Polls(engine)
    polls.see(job("7", "RUNNING", name="resnet"))
    assert polls.see() == ([], ("7",))
    # accounting lags: still RUNNING there, then not known, then the end
    assert engine.confirm("alpha", ("7",), [record("7", "RUNNING")]) == []
    assert polls.see() == ([], ("7",))  # asked again after the next poll
    notices = engine.confirm("alpha", ("7",), [record("7", "FAILED", exit_code="1:0")])
    assert notices == [Notice("alpha", "7", "failed", "resnet", "exit 1:0")]
    assert notices[0].text == "alpha 7 (resnet): FAILED — exit 1:0"
    assert polls.see() == ([], ())


def test_who_cancelled_comes_from_accounting() -> None:
    engine = NoticeEngine()
    polls = Polls(engine)
    polls.see(job("8", "PENDING"))
    polls.see()
    [notice] = engine.confirm("alpha", ("8",), [record("8", "CANCELLED", "CANCELLED by 1000")])
    assert notice.event == "cancelled" and notice.detail == "CANCELLED by 1000"


def test_a_job_accounting_keeps_calling_unfinished_is_parked_never_announced() -> None:
    engine = NoticeEngine()
    polls = Polls(engine)
    polls.see(job("7", "RUNNING"))
    for _ in range(10):
        _, confirm = polls.see()
        assert confirm == ("7",)
        assert engine.confirm("alpha", confirm, [record("7", "RUNNING")]) == []
    assert polls.see() == ([], ())  # no longer asked about
    assert polls.see(job("7", "RUNNING")) == ([], ())  # its return is no "start"


def test_a_job_accounting_never_knew_is_lost_after_the_attempts() -> None:
    engine = NoticeEngine()
    polls = Polls(engine)
    polls.see(job("7", "RUNNING"))
    events = []
    for _ in range(10):
        _, confirm = polls.see()
        events += [n.event for n in engine.confirm("alpha", confirm, [])]
    assert events == ["lost"]


def test_a_stale_snapshot_says_nothing_and_the_next_good_one_is_diffed_with_the_last_good_one() -> None:
    engine = NoticeEngine()
    polls = Polls(engine)
    polls.see(job("1", "RUNNING"), job("2", "PENDING"))
    accepted_at = polls.at
    failed = replace(polls.snapshot(), error="squeue: Unable to contact slurm controller")
    assert engine.observe(failed, True).notices == () and engine.observe(failed, True).confirm == ()
    assert polls.see(connected=False) == ([], ())  # link down: what it lacks is unknown
    same_data = Snapshot(cluster="alpha", jobs=(), jobs_at=accepted_at)  # no new squeue data
    assert engine.observe(same_data, True).confirm == ()
    assert polls.see(job("1", "RUNNING"), job("2", "PENDING")) == ([], ())


def test_notices_are_said_once_per_cluster_job_and_event() -> None:
    engine = NoticeEngine()
    polls = Polls(engine)
    polls.see(job("7", "RUNNING"))
    assert polls.see(job("7", "PENDING")) == (["requeued"], ())
    polls.see(job("7", "RUNNING"))
    assert polls.see(job("7", "PENDING")) == ([], ())  # a second requeue: said already
    beta = Polls(engine, "beta")
    beta.see(job("7", "RUNNING"))
    assert beta.see(job("7", "PENDING")) == (["requeued"], ())  # same id, other cluster


def test_an_arrays_pending_remainder_leaving_is_not_an_ending() -> None:
    polls = Polls(NoticeEngine())
    polls.see(job("5_[2-3]", "PENDING"), job("5_1", "RUNNING"))
    assert polls.see(job("5_2", "RUNNING"), job("5_3", "RUNNING"), job("5_1", "RUNNING")) == (
        ["started", "started"],
        (),
    )


def test_a_seeded_job_reports_an_end_from_before_the_first_look() -> None:
    engine = NoticeEngine()
    engine.seed("alpha", ["7", "8", "9"])
    polls = Polls(engine)
    assert polls.see(job("7", "COMPLETED"), job("8", "RUNNING")) == (["completed"], ("9",))
    assert [n.event for n in engine.confirm("alpha", ("9",), [record("9", "TIMEOUT")])] == ["timeout"]
    engine.seed("alpha", ["10"])
    _, confirm = polls.see(job("8", "RUNNING"))
    assert confirm == ("10",)
    assert [n.event for n in engine.confirm("alpha", confirm, [])] == ["lost"]  # said after one look


def signals(**changes: object) -> LogSignals:
    base = LogSignals("alpha", "7", "train", True, 1000.0, None, None, None, 1000.0)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_log_signals_become_notices_once() -> None:
    engine = NoticeEngine(silent_s=600, plateau_s=1200)
    assert engine.observe_log(signals()) == []
    found = engine.observe_log(signals(nonfinite="loss is nan at line 12", hint=("cuda_oom", "smaller batch")))
    assert [(n.event, n.detail) for n in found] == [
        ("nan", "loss is nan at line 12"),
        ("log_error", "cuda_oom: smaller batch"),
    ]
    assert engine.observe_log(signals(nonfinite="loss is inf at line 30")) == []


def test_a_silent_log_of_a_running_job() -> None:
    engine = NoticeEngine(silent_s=600)
    assert engine.observe_log(signals(now=1599.0)) == []
    assert engine.observe_log(signals(now=1700.0, running=False)) == []
    [notice] = engine.observe_log(signals(now=1700.0))
    assert (notice.event, notice.detail) == ("silent", "no output for 11 min")


def test_a_loss_that_stops_improving() -> None:
    engine = NoticeEngine(plateau_s=1200)
    assert engine.observe_log(signals(loss_best=0.9, now=0.0)) == []
    assert engine.observe_log(signals(loss_best=0.5, now=1000.0)) == []  # improved: the clock restarts
    assert engine.observe_log(signals(loss_best=0.5, now=2100.0, changed_at=2100.0)) == []
    [notice] = engine.observe_log(signals(loss_best=0.5, now=2200.0, changed_at=2200.0))
    assert notice.event == "loss_plateau" and notice.detail == "best loss 0.5 unchanged for 20 min"


def test_the_rules_filter_events_clusters_and_job_names() -> None:
    rules = Notifications(events=("failed",), clusters=("alpha",), jobs=("train-*",))
    assert wants(rules, Notice("alpha", "1", "failed", "train-resnet"))
    assert not wants(rules, Notice("alpha", "1", "completed", "train-resnet"))
    assert not wants(rules, Notice("beta", "1", "failed", "train-resnet"))
    assert not wants(rules, Notice("alpha", "1", "failed", "eval"))
    assert wants(rules, Notice("beta", "1", "failed", "eval"), named=True)
    assert wants(Notifications(), Notice("beta", "1", "timeout", "anything"))


@pytest.mark.parametrize(
    ("quiet", "minute", "expected"),
    [
        ("22:00-07:00", 23 * 60, True),
        ("22:00-07:00", 6 * 60 + 59, True),
        ("22:00-07:00", 7 * 60, False),
        ("22:00-07:00", 12 * 60, False),
        ("12:00-13:30", 13 * 60, True),
        ("12:00-13:30", 14 * 60, False),
        (None, 0, False),
    ],
)
def test_quiet_hours(quiet: str | None, minute: int, expected: bool) -> None:
    assert in_quiet_hours(quiet, minute) is expected


def test_many_notices_at_once_are_one_summary() -> None:
    few = [Notice("alpha", str(i), "completed", "t") for i in range(3)]
    assert [d.text for d in digest(few)] == [n.text for n in few]
    many = [*few, Notice("alpha", "9", "failed"), Notice("beta", "1", "timeout")]
    [summary] = digest(many)
    assert summary.title == "5 job events" and summary.notices == tuple(many)
    assert summary.text == "alpha: 3 completed, 1 FAILED; beta: 1 TIMEOUT"
