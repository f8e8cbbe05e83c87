"""A job name holding a newline (``sbatch -J "$(printf 'new\\nline')"``), through the real
SSH path: accounting (the notices' confirmation, the post-mortem) and scontrol's details
read it whole, with its newline, instead of skipping it (a false "unknown to accounting")."""

from __future__ import annotations

import subprocess
import sys

import pytest
from test_actions_support import lab_jobs, lab_session, wait_for

from hpctui.services.postmortem import PostMortem
from hpctui.slurm.commands import scontrol_job_command
from hpctui.slurm.parse import parse_scontrol_job

pytestmark = pytest.mark.lab

NAME = "new\nline"


def failed_job_in_accounting(jobs) -> str:
    """A job named NAME that failed, once slurmdbd has its whole record: until the job's own
    record arrives, a step's makes a stand-in named "allocation" with no partition."""
    failed = jobs.submit("-p", "cpu", "-J", NAME, "--wrap", "exit 3")
    whole = f"sacct -n -X -P -o Partition,State -j {failed}"
    wait_for("the job in accounting", lambda: jobs.sh(whole).split() == ["cpu|FAILED"])
    return failed


async def test_a_failed_job_named_with_a_newline_is_in_accounting_and_its_details(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        failed = failed_job_in_accounting(jobs)
        async with lab_session(lab, "alpha", tmp_path / "audit.log") as session:
            ended = await session.endings.lookup([failed])
            details = parse_scontrol_job((await session.link.run(scontrol_job_command(failed))).stdout)
            postmortem = PostMortem(session.link, "alpha")
            rows = {row.job_id: row for row in await postmortem.fetch(job_ids=[failed])}
        assert (ended[failed].name, ended[failed].state, ended[failed].exit_code) == (NAME, "FAILED", "3:0")
        assert (details["JobName"], details["JobState"]) == (NAME, "FAILED")
        assert (rows[failed].record.name, rows[failed].record.state) == (NAME, "FAILED")
        assert postmortem.warnings == []


def test_watch_and_efficiency_show_the_job_and_its_name_on_one_line(lab):
    with lab_jobs(lab, "alpha") as jobs:
        failed = failed_job_in_accounting(jobs)
    hpctui = [sys.executable, "-m", "hpctui", "--config", str(lab.config_path)]
    watch = subprocess.run([*hpctui, "watch", f"alpha:{failed}", "--until-done"], capture_output=True, text=True,
                           timeout=120)  # fmt: skip
    assert watch.returncode == 1, watch.stderr
    # "FAILED" from the queue, or "FAILED — exit 3:0" from accounting once the controller forgot it
    assert f"alpha {failed} (new␤line): FAILED" in watch.stdout.splitlines()[-1]
    report = subprocess.run([*hpctui, "efficiency", "alpha", failed], capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    assert report.stdout.splitlines()[1].split()[:3] == [failed, "new␤line", "FAILED"]
