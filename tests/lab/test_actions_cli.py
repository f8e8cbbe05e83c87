"""The headless front end: hpctui cancel/requeue/resubmit/postmortem/audit against the lab."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from test_actions_support import lab_jobs

pytestmark = pytest.mark.lab


def hpctui(lab, tmp_path, *args: str, state: str | None = None) -> subprocess.CompletedProcess:
    """Run the CLI without a terminal, with its own state dir (audit log, resubmit history)."""
    env = {**os.environ, "XDG_STATE_HOME": state or str(tmp_path), "HPCTUI_CONFIG": str(lab.config_path)}
    return subprocess.run(
        [sys.executable, "-m", "hpctui", *args], env=env, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_no_terminal_and_no_yes_runs_nothing(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        job = jobs.submit("--hold", "--wrap", "true")
        answer = hpctui(lab, tmp_path, "cancel", "alpha", job)
        assert answer.returncode == 2
        assert f"scancel --verbose {job}" in answer.stdout and "pass --yes" in answer.stderr
        assert jobs.squeue(job) == ["PENDING"]
        assert hpctui(lab, tmp_path, "audit").stdout.startswith("no actions recorded yet (log: ")


def test_a_hold_says_it_only_keeps_a_pending_job_from_starting(lab, tmp_path):
    answer = hpctui(lab, tmp_path, "hold", "alpha", "4242")  # no terminal, no --yes: nothing runs
    assert answer.returncode == 2
    assert answer.stdout.splitlines()[-1] == "  (a hold only keeps a pending job from starting; a running job goes on)"


def test_bad_job_id_is_refused_before_connecting(lab, tmp_path):
    answer = hpctui(lab, tmp_path, "hold", "alpha", "12;touch /tmp/x", "--yes")
    assert answer.returncode == 2 and answer.stdout == ""
    assert answer.stderr.startswith("hpctui: not a job id: '12;touch /tmp/x'")


def test_yes_runs_and_refusals_exit_1_in_slurms_words(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        job = jobs.submit("--hold", "--wrap", "true")
        refused = hpctui(lab, tmp_path, "requeue", "alpha", job, "--yes")
        assert refused.returncode == 1
        assert f"{job}: REFUSED: Job is pending execution" in refused.stderr
        cancelled = hpctui(lab, tmp_path, "cancel", "alpha", job, "--yes")
        assert cancelled.returncode == 0, cancelled.stderr
        assert jobs.squeue(job) == ["CANCELLED"]
        log = [json.loads(line) for line in hpctui(lab, tmp_path, "audit", "--json").stdout.splitlines()]
        assert [(e["ok"], e["command"].rsplit(" ", 3)[-3:]) for e in log] == [
            (False, ["scontrol", "requeue", job]),
            (True, ["scancel", "--verbose", job]),
        ]


def test_resubmit_from_stage(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        jobs.put(f"{work}/train.sbatch", "#!/bin/bash\nSTART_STAGE=${START_STAGE:-0}\nfor STAGE in 0 1 2; do\n"
                 '  [ "$STAGE" -lt "$START_STAGE" ] && continue; echo "stage $STAGE"\ndone\n')  # fmt: skip
        job = jobs.submit("--hold", "train.sbatch", cwd=work)
        answer = hpctui(lab, tmp_path, "resubmit", "alpha", job, "--stage", "2", "--time", "3", "--yes")
        assert answer.returncode == 0, answer.stderr
        assert "stages: 0 1 2" in answer.stdout and "START_STAGE=2 sbatch --parsable" in answer.stdout
        new = answer.stdout.strip().splitlines()[-1].split()[2]
        jobs.track(new)
        assert answer.stdout.strip().endswith(f"Submitted job {new} (resubmission of {job})")
        assert jobs.scontrol(new)["TimeLimit"] == "00:03:00"
        assert hpctui(lab, tmp_path, "resubmit", "alpha", job, "--stage", "7", "--yes").returncode == 2


def test_postmortem_json(lab, tmp_path):
    answer = hpctui(lab, tmp_path, "postmortem", "beta", "--days", "1", "--json")
    assert answer.returncode == 0, answer.stderr
    report = json.loads(answer.stdout)
    assert list(report) == ["beta"] and report["beta"]["ok"] is True
    assert all(job["cluster"] == "beta" for job in report["beta"]["jobs"])
    bad = hpctui(lab, tmp_path, "postmortem", "beta", "--days", "0")
    assert bad.returncode == 2 and "--days" in bad.stderr


def test_resubmit_refuses_what_it_cannot_recover_without_force(lab, tmp_path):
    """SBATCH_OUTPUT put the job id in a directory too: which one was %j is a guess."""
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        jobs.put(f"{work}/t.sh", "#!/bin/sh\necho hi\n")
        job = jobs.sh(f"cd {work} && SBATCH_OUTPUT='logs/%j/o_%j.out' sbatch --parsable --hold t.sh").strip()
        jobs.track(job)
        refused = hpctui(lab, tmp_path, "resubmit", "alpha", job, "--yes")
        assert refused.returncode == 1
        assert f"NOT RECOVERED: log path {work}/logs/{job}/o_{job}.out" in refused.stdout
        assert "pass --force" in refused.stderr and "Submitted" not in refused.stdout
        forced = hpctui(lab, tmp_path, "resubmit", "alpha", job, "--yes", "--force")
        assert forced.returncode == 0, forced.stderr
        new = forced.stdout.strip().splitlines()[-1].split()[2]
        jobs.track(new)
        assert jobs.scontrol(new)["StdOut"] == f"{work}/logs/{job}/o_{new}.out"  # only the file name's id


def test_unwritable_state_is_a_warning_after_the_outcomes(lab, tmp_path):
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")  # the state directory cannot be made under it, even as root
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        jobs.put(f"{work}/t.sh", "#!/bin/sh\necho hi\n")
        held = jobs.submit("--hold", "t.sh", cwd=work)
        cancelled = hpctui(lab, tmp_path, "cancel", "alpha", held, "--yes", state=str(not_a_dir))
        assert cancelled.returncode == 0 and f"{held}: ok" in cancelled.stdout
        assert "warning: audit log not written" in cancelled.stderr and "Traceback" not in cancelled.stderr
        job = jobs.submit("--hold", "t.sh", cwd=work)
        resubmitted = hpctui(lab, tmp_path, "resubmit", "alpha", job, "--yes", state=str(not_a_dir))
        assert resubmitted.returncode == 0, resubmitted.stderr
        new = resubmitted.stdout.strip().splitlines()[-1].split()[2]
        jobs.track(new)
        assert f"Submitted job {new} (resubmission of {job})" in resubmitted.stdout
        assert "history not written" in resubmitted.stderr and "Traceback" not in resubmitted.stderr
