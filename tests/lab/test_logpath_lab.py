"""A job's log path rebuilt from accounting alone (what the log screen falls back to once the
controller forgot the job), checked against the files Slurm really wrote."""

from __future__ import annotations

import shlex

import pytest
from test_actions_support import lab_jobs, lab_session, wait_async

from hpctui.services.logpath import log_record, logs_from_accounting

pytestmark = pytest.mark.lab

SCRIPT = "#!/bin/bash\n#SBATCH --output=logs/%x_%j.out\n#SBATCH --error=logs/%x_%j.err\necho out; echo err >&2\n"


def ended(jobs, job_id: str) -> str:
    state = jobs.sacct_state(job_id)
    return state if state in ("COMPLETED", "FAILED", "CANCELLED") else ""


async def test_log_paths_from_accounting_are_the_files_slurm_wrote(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir(" logs")
        jobs.put(f"{work}/job.sbatch", SCRIPT)
        jobs.sh(f"mkdir -p {shlex.quote(work)}/logs")
        scripted = jobs.submit("-J", "logjob", "job.sbatch", cwd=work)
        array = jobs.submit("--array=1-2", "-o", "arr_%A_%a.txt", "--wrap", "echo task $SLURM_ARRAY_TASK_ID", cwd=work)
        plain = jobs.submit("--wrap", "echo default", cwd=work)
        held = jobs.submit("--hold", "--wrap", "true", cwd=work)
        jobs.sh(f"scancel {held}")
        for job_id in (scripted, f"{array}_2", plain, held):
            await wait_async(f"job {job_id} in accounting, ended", lambda job_id=job_id: ended(jobs, job_id))

        async with lab_session(lab, "alpha", tmp_path / "audit.log") as session:
            found = await logs_from_accounting(session.link, scripted)
            assert (found.stdout, found.stderr) == (
                f"{work}/logs/logjob_{scripted}.out",
                f"{work}/logs/logjob_{scripted}.err",
            )
            assert "job.sbatch" in found.source
            assert jobs.sh(f"cat {shlex.quote(found.stdout)} {shlex.quote(found.stderr)}") == "out\nerr\n"

            task = await logs_from_accounting(session.link, f"{array}_2")
            assert task.stdout == task.stderr == f"{work}/arr_{array}_2.txt"
            assert jobs.sh(f"cat {shlex.quote(task.stdout)}") == "task 2\n"

            default = await logs_from_accounting(session.link, plain)
            assert default.stdout == f"{work}/slurm-{plain}.out" and "--wrap" in default.source
            assert jobs.sh(f"cat {shlex.quote(default.stdout)}") == "default\n"

            never = await log_record(session.link, held)
            assert (never.state, never.started) == ("CANCELLED", False)
