"""Snapshot.job: a job looked up by id through an index built once per snapshot."""

from __future__ import annotations

from dataclasses import replace

from hpctui.slurm.models import Job, Snapshot


def job(job_id: str, name: str = "train") -> Job:
    return Job(
        job_id=job_id, array_job_id=None, array_task_id=None, name=name, user="me",
        partition="gpu", state="RUNNING", reason="None", time_used_s=1, time_limit_s=60,
        num_nodes=1, nodelist="n1", gpus=0, tres="", submit_time=None, start_time=None,
        stdout_pattern=None, stderr_pattern=None, work_dir=None, cluster="alpha",
    )  # fmt: skip


def test_job_finds_a_listed_job_and_none_for_an_unknown_id() -> None:
    snapshot = Snapshot(cluster="alpha", jobs=(job("1"), job("2_3"), job("4")))
    assert snapshot.job("2_3") is snapshot.jobs[1]
    assert snapshot.job("4") is snapshot.jobs[2]
    assert snapshot.job("2") is None
    assert Snapshot(cluster="alpha").job("1") is None


def test_the_first_of_two_rows_with_one_id_wins() -> None:
    first, second = job("7", name="first"), job("7", name="second")
    assert Snapshot(cluster="alpha", jobs=(first, second)).job("7") is first


def test_a_replaced_snapshot_indexes_its_own_jobs() -> None:
    old = Snapshot(cluster="alpha", jobs=(job("1"),))
    assert old.job("1") is not None  # builds the old index
    new = replace(old, jobs=(job("2"),))
    assert new.job("1") is None
    assert new.job("2") is new.jobs[0]
    assert old.job("2") is None


def test_the_index_leaves_equality_alone() -> None:
    jobs = (job("1"),)
    looked_up = Snapshot(cluster="alpha", jobs=jobs)
    looked_up.job("1")
    assert looked_up == Snapshot(cluster="alpha", jobs=jobs)
