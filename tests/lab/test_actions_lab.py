"""Cancel, requeue, hold and release real jobs on the lab; Slurm's refusals come back verbatim."""

from __future__ import annotations

import pytest
from test_actions_support import lab_jobs, lab_session, wait_for

from hpctui.services.audit import AuditLog

pytestmark = pytest.mark.lab

SLEEP = ("--wrap", "sleep 300", "--time=00:10:00", "--mem=32M", "--partition=cpu")
LATER = ("--begin=now+3600",)  # stays pending


def running(jobs, job_id: str) -> bool:
    return jobs.squeue(job_id) == ["RUNNING"]


async def run(lab, tmp_path, verb: str, job_ids: list[str]):
    """Plan and execute on alpha; returns (plan, outcomes, how often `after` ran, audit entries)."""
    refreshed: list[bool] = []
    async with lab_session(lab, "alpha", tmp_path / "audit.log", after=lambda: refreshed.append(True)) as session:
        plan = session.actions.plan(verb, job_ids)
        outcomes = await session.actions.execute(plan)
    return plan, outcomes, len(refreshed), AuditLog(tmp_path / "audit.log").entries()


async def test_cancel_one_job_is_audited_and_refreshes(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        job = jobs.submit(*SLEEP)
        wait_for("job running", lambda: running(jobs, job))
        plan, outcomes, refreshes, entries = await run(lab, tmp_path, "cancel", [job])
        assert [o.ok for o in outcomes] == [True], outcomes
        assert refreshes == 1
        assert [(e.cluster, e.command, e.ok) for e in entries] == [("alpha", plan.commands[0], True)]
        wait_for("CANCELLED in accounting", lambda: jobs.sacct_state(job) == "CANCELLED")


async def test_cancel_of_an_ended_job_is_a_refusal_in_slurms_words(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        job = jobs.submit("--wrap", "true", "--time=00:01:00", "--mem=32M", "--partition=cpu")
        wait_for("job ended", lambda: jobs.sacct_state(job) == "COMPLETED")
        _, outcomes, _, entries = await run(lab, tmp_path, "cancel", [job])
        assert [o.ok for o in outcomes] == [False], outcomes
        assert "already completing or completed" in outcomes[0].message
        assert [e.ok for e in entries] == [False]


async def test_cancel_one_array_task_leaves_the_others(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        array = jobs.submit(*SLEEP, "--array=0-2")
        wait_for("3 tasks running", lambda: jobs.squeue(array) == ["RUNNING"] * 3)
        _, outcomes, _, _ = await run(lab, tmp_path, "cancel", [f"{array}_1"])
        assert outcomes[0].ok, outcomes
        states = wait_for(
            "task 1 cancelled",
            lambda: (
                (s := dict(line.split() for line in jobs.squeue(array, "%i %T")))[f"{array}_1"] == "CANCELLED" and s
            ),
        )
        assert (states[f"{array}_0"], states[f"{array}_2"]) == ("RUNNING", "RUNNING")


async def test_cancel_whole_array_and_several_selected_jobs(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        array = jobs.submit(*SLEEP, "--array=0-1")
        singles = [jobs.submit(*SLEEP), jobs.submit(*SLEEP, *LATER)]
        wait_for("array running", lambda: jobs.squeue(array) == ["RUNNING"] * 2)
        plan, outcomes, refreshes, entries = await run(lab, tmp_path, "cancel", [array, *singles])
        assert plan.job_ids == (array, *singles)
        assert all(o.ok for o in outcomes), outcomes
        assert refreshes == 1 and len(entries) == 3
        for job in (array, *singles):
            wait_for(f"{job} cancelled", lambda job=job: set(jobs.squeue(job)) == {"CANCELLED"})


async def test_hold_then_release(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        job = jobs.submit(*SLEEP, *LATER)
        _, held, _, _ = await run(lab, tmp_path, "hold", [job])
        assert held[0].ok, held
        assert jobs.squeue(job, "%T %r") == ["PENDING JobHeldUser"]
        _, released, _, entries = await run(lab, tmp_path, "release", [job])
        assert released[0].ok, released
        state, reason = jobs.squeue(job, "%T %r")[0].split()
        assert state == "PENDING" and not reason.startswith("JobHeld"), reason
        assert [e.ok for e in entries] == [True, True]


async def test_requeue_running_job(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        job = jobs.submit(*SLEEP, "--requeue")
        wait_for("job running", lambda: running(jobs, job))
        _, outcomes, _, _ = await run(lab, tmp_path, "requeue", [job])
        assert outcomes[0].ok, outcomes
        fields = wait_for("requeued", lambda: (f := jobs.scontrol(job))["JobState"] == "PENDING" and f)
        assert fields["Restarts"] == "1"


@pytest.mark.parametrize(
    ("setup", "verb", "refusal"),
    [
        ("pending", "requeue", "Job is pending execution"),
        ("no-requeue", "requeue", "Requested operation is presently disabled"),
        ("admin-hold", "release", "Access/permission denied"),
    ],
)
async def test_refusals_come_back_verbatim(lab, tmp_path, setup, verb, refusal):
    with lab_jobs(lab, "alpha") as jobs:
        if setup == "no-requeue":
            job = jobs.submit(*SLEEP, "--no-requeue")
            wait_for("job running", lambda: running(jobs, job))
        else:
            job = jobs.submit(*SLEEP, *LATER)
            # The scheduler's first pass may say Resources before it settles on BeginTime.
            wait_for("reason settled", lambda: jobs.squeue(job, "%T %r") == ["PENDING BeginTime"])
        if setup == "admin-hold":
            assert lab.root("alpha", f"scontrol hold {job}").returncode == 0
        state_before = jobs.squeue(job, "%T %r")
        _, outcomes, refreshes, entries = await run(lab, tmp_path, verb, [job])
        assert not outcomes[0].ok
        assert refusal in outcomes[0].message
        assert refreshes == 1
        assert [(e.ok, e.result) for e in entries] == [(False, outcomes[0].message)]
        assert jobs.squeue(job, "%T %r") == state_before
