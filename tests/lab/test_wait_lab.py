"""Why a job waits, against the lab (multifactor priority): the expected start the queue poll
carries is squeue --start's, and sprio/sshare give priority, rank and fair-share in one round trip."""

from __future__ import annotations

import pytest
from test_actions_support import lab_jobs, lab_session, wait_for

from hpctui.services.priority import fetch_priority
from hpctui.slurm.reasons import explain

pytestmark = pytest.mark.lab


async def test_expected_start_from_the_poll_and_priority_on_demand(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        jobs.submit("-J", "fill", "-p", "cpu", "-c", "16", "--mem=1G", "-t", "10", "--wrap", "sleep 300", cwd=work)
        first = jobs.submit("-J", "next", "-p", "cpu", "-c", "8", "--mem=1G", "-t", "5", "--wrap", "true", cwd=work)
        second = jobs.submit("-J", "later", "-p", "cpu", "-c", "8", "--mem=1G", "-t", "5", "--wrap", "true", cwd=work)
        array = jobs.submit("-J", "arr", "-p", "cpu", "-a", "1-3", "-c", "8", "--mem=1G", "--wrap", "true", cwd=work)
        # The backfill scheduler estimates starts about every 30 s.
        starts = wait_for(
            "squeue --start to estimate both starts",
            lambda: _starts(jobs, first, second),
            timeout=120,
            every=3,
        )
        async with lab_session(lab, "alpha", tmp_path / "audit.log") as session:
            snapshot = await session.poller.poll_once()
            polled = {j.job_id: j for j in snapshot.jobs}
            report = await fetch_priority(session.link, polled[first], None)
            later = await fetch_priority(session.link, polled[second], None)
            task = await fetch_priority(session.link, polled[f"{array}_2"], None)  # sprio: numeric ids only
    assert {first: polled[first].start_time, second: polled[second].start_time} == starts
    assert polled[first].reason in ("Resources", "Priority")
    assert explain(polled[first].reason).kind == "wait"
    assert not report.basic and report.priority is not None and report.priority > 0
    assert dict(report.factors)["partition"] == 1000  # PriorityWeightPartition, one partition tier
    assert report.rank is not None and later.rank is not None and report.rank < later.rank
    assert report.pending >= 2
    assert task.priority is not None and task.rank is not None and task.rank > later.rank
    assert report.fairshare is not None and report.fairshare.user == "hpcuser" and 0 <= report.fairshare.fairshare <= 1


def _starts(jobs, *ids: str) -> dict[str, str] | None:
    lines = jobs.sh("squeue --start --noheader --format='%i %S' --jobs=" + ",".join(ids)).split()
    found = dict(zip(lines[::2], lines[1::2], strict=True))
    return found if all(found.get(i, "N/A") != "N/A" for i in ids) else None
