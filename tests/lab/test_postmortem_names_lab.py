"""Post-mortem against the lab: who cancelled a job is named (getent passwd on the cluster),
not a uid; and a job that just ended gets its end and exit code from accounting."""

from __future__ import annotations

import asyncio

import pytest
from test_actions_support import lab_jobs, lab_session

from hpctui.services.postmortem import PostMortem, final_outcomes

pytestmark = pytest.mark.lab


async def test_cancelled_by_the_user_by_name_and_a_failure_with_its_exit_code(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        cancelled = jobs.submit("-J", "pm-cancel", "--wrap", "sleep 60")
        failed = jobs.submit("-J", "pm-exit", "--wrap", "exit 4")
        for _ in range(30):  # cancelled once it runs (sacct's time window leaves out a job that never started)
            if lab.ssh("alpha", f"squeue -h -o %T -j {cancelled}").stdout.strip() == "RUNNING":
                break
            await asyncio.sleep(1)
        lab.ssh("alpha", f"scancel {cancelled}")
        async with lab_session(lab, "alpha", tmp_path / "audit.log") as session:
            postmortem = PostMortem(session.link, "alpha")
            outcomes: dict[str, str] = {}
            for _ in range(60):
                rows = {r.job_id: r for r in await postmortem.fetch(days=1)}
                outcomes = final_outcomes(await session.endings.lookup([cancelled, failed]))
                if cancelled in rows and rows[cancelled].record.state == "CANCELLED" and failed in outcomes:
                    break
                await asyncio.sleep(1)
        assert cancelled in rows, "the cancelled job never reached accounting"
        assert rows[cancelled].record.state_detail == "CANCELLED by hpcuser"
        assert outcomes[failed] == "FAILED 4:0"
