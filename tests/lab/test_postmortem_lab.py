"""Post-mortem against the lab: sacct rows with steps folded, advice for failures, and jobs
accounting has not caught up with merged from the poller's snapshot."""

from __future__ import annotations

import asyncio

import pytest
from test_actions_support import lab_jobs, lab_session

from hpctui.services.postmortem import ADVICE, UNSTARTED_ADVICE, PostMortem

pytestmark = pytest.mark.lab


async def test_failed_and_completed_jobs_with_steps_and_advice(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        # A few seconds of work so the accounting sampler (every 2 s in the lab) sees its memory.
        ok = jobs.submit(
            "-J", "pm-ok", "--wrap", "head -c 50000000 /dev/zero | tail -c 1 >/dev/null; sleep 5", cwd=work
        )
        bad = jobs.submit("-J", "pm-bad", "--wrap", "sleep 3; exit 3", cwd=work)
        unstarted = jobs.submit("-J", "pm-nodir", "-o", "missing_dir/%j.out", "--wrap", "true", cwd=work)
        async with lab_session(lab, "alpha", tmp_path / "audit.log") as session:
            postmortem = PostMortem(session.link, "alpha")

            async def both_done():
                rows = {r.job_id: r for r in await postmortem.fetch(days=1)}
                done = all(j in rows and rows[j].record.state in ("COMPLETED", "FAILED") for j in (ok, bad, unstarted))
                return rows if done else None

            rows = None
            for _ in range(60):
                if (rows := await both_done()) is not None:
                    break
                await asyncio.sleep(1)
            assert rows is not None, "jobs never finished in accounting"
        good, failed = rows[ok], rows[bad]
        assert (good.record.state, good.advice, good.source) == ("COMPLETED", None, "sacct")
        assert (failed.record.state, failed.record.exit_code) == ("FAILED", "3:0")
        assert failed.advice == ADVICE["FAILED"]
        # slurmstepd cannot create the log in a missing directory: the script never runs
        assert (rows[unstarted].record.state, rows[unstarted].record.exit_code) == ("FAILED", "0:53")
        assert rows[unstarted].advice == UNSTARTED_ADVICE
        assert {s.step_id for s in good.record.steps} >= {f"{ok}.batch"}
        assert good.max_rss_bytes is not None and good.max_rss_bytes > 0


async def test_jobs_not_yet_in_accounting_come_from_squeue(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        async with lab_session(lab, "alpha", tmp_path / "audit.log") as session:
            postmortem = PostMortem(session.link, "alpha")
            before = {r.job_id for r in await postmortem.fetch(days=1)}
            job = jobs.submit("--hold", "--wrap", "true")
            snapshot = await session.poller.poll_once()
            assert job in {j.job_id for j in snapshot.jobs}
            rows = {r.job_id: r for r in await postmortem.fetch(days=1, snapshot=snapshot)}
        assert job not in before
        assert job in rows  # from sacct when accounting has it already, from squeue otherwise
        assert rows[job].source in ("sacct", "squeue")
        assert rows[job].record.state == "PENDING"
        from_sacct = {r for r, row in rows.items() if row.source == "sacct"}
        # sacct lists an array's pending tasks as one row (1004_[2-5]): squeue's tasks of it are not added
        ranged = {r.partition("_[")[0] for r in from_sacct if "_[" in r}
        squeue_only = {j.job_id for j in snapshot.jobs if j.array_job_id not in ranged} - from_sacct
        assert {r for r, row in rows.items() if row.source == "squeue"} == squeue_only
