"""A job's log path rebuilt from accounting alone (what the log screen falls back to once the
controller forgot the job), checked against the files Slurm really wrote."""

from __future__ import annotations

import shlex

import pytest
from test_actions_support import lab_jobs, lab_session, wait_async

from hpctui.services.jobinfo import fetch_job_details, log_files
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


async def test_log_paths_with_the_node_codes_are_the_files_slurm_wrote(lab, tmp_path):
    # scontrol prints %N, %n, %t and %s unexpanded; %N is the node's host name ("vm" for every
    # lab node), not its Slurm name (a1..a3), so it is asked of the controller.
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir(" nodes")
        job = jobs.submit("-p", "cpu", "-o", "o_%N_%n_%s.txt", "-e", "e_%%_%3t_%N.txt", "--wrap", WRITES, cwd=work)
        await wait_async(f"job {job} writing", lambda: jobs.sh(f"cat {shlex.quote(work)}/e_* 2>/dev/null || true"))
        async with lab_session(lab, "alpha", tmp_path / "audit.log") as session:
            details = await fetch_job_details(session.link, job)
            assert "%N" in (details.stdout or "")
            stdout, stderr = await log_files(session.link, details)
            assert (stdout, stderr) == (f"{work}/o_vm_0_batch.txt", f"{work}/e_%_000_vm.txt")
            assert jobs.sh(f"cat {shlex.quote(stdout)} {shlex.quote(stderr)}") == "out\nerr\n"

            jobs.sh(f"scancel {job}")
            await wait_async(f"job {job} in accounting, ended", lambda: ended(jobs, job))
            found = await logs_from_accounting(session.link, job)
            assert (found.stdout, found.stderr) == (stdout, stderr)


WRITES = "echo out; echo err >&2; sleep 300"
