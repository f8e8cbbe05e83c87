"""`hpctui efficiency` end to end: real jobs, real sacct on slurmdbd, the real CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_actions_support import lab_jobs, wait_for

pytestmark = pytest.mark.lab

# Busy on one CPU of two, about 300 MB held, for a few seconds (the lab samples every 2 s).
BURN = "python3 -c 'x = bytearray(300 << 20)\nimport time\nt = time.time()\nwhile time.time() - t < 8: pass'"


def hpctui(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hpctui", *args], capture_output=True, text=True, timeout=120)


def seconds(total_cpu: str) -> float:
    """sacct's TotalCPU: [D-]HH:MM:SS[.mmm] or MM:SS.mmm."""
    days, _, clock = total_cpu.strip().rpartition("-")
    value = 0.0
    for part in clock.split(":"):
        value = value * 60 + float(part)
    return value + int(days or 0) * 86400


def test_efficiency_of_ended_jobs_and_an_array(lab):
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        burn = jobs.submit("-J", "eff-burn", "-p", "cpu", "-c", "2", "--mem=2G", "-t", "30", "--wrap", BURN, cwd=work)
        array = jobs.submit("-J", "eff-array", "-p", "cpu", "-a", "1-3", "--mem=512M", "--wrap", "sleep 3", cwd=work)
        wait_for("jobs to end in accounting", lambda: jobs.sacct_state(burn) == "COMPLETED", timeout=90, every=2)
        wait_for("the array to end", lambda: jobs.sacct_state(f"{array}_3") == "COMPLETED", timeout=90, every=2)
        answer = hpctui("efficiency", "alpha", burn, array, "--json", "--config", str(lab.config_path))
        # Without --allocations: sacct sums the steps' TotalCPU into the job's line only when it lists the steps.
        total_cpu, elapsed, cpus = (
            jobs.sh(f"sacct --noheader --parsable2 --format=TotalCPU,ElapsedRaw,AllocCPUS --jobs={burn}")
            .splitlines()[0]
            .split("|")
        )
    assert answer.returncode == 0, answer.stderr
    entries = {e.get("job_id") or e["array_id"]: e for e in json.loads(answer.stdout)["alpha"]["jobs"]}
    job = entries[burn]
    assert (job["kind"], job["state"], job["cpus"], job["mem_per_node"]) == ("job", "COMPLETED", 2, 2 << 30)
    # How busy the loop got depends on the machine's load; the figure is sacct's own, one thread of two CPUs.
    assert job["cpu_eff"] == pytest.approx(seconds(total_cpu) / (int(elapsed) * int(cpus)), abs=0.01)
    assert 0 < job["cpu_eff"] <= 0.55
    assert 250 << 20 < job["max_rss"] < 400 << 20
    assert job["suggested"]["mem"] in ("512M", "1G")
    assert any(words.startswith("asked 2.0G, used ") for words in job["advice"])
    assert job["suggested"]["time"] == "00:05:00"  # ran seconds of a 30 minute limit
    summary = entries[array]
    assert summary["kind"] == "array" and summary["states"] == {"COMPLETED": 3}
    assert [t["job_id"] for t in summary["tasks"]] == [f"{array}_{i}" for i in (1, 2, 3)]
    assert len(summary["worst"]) == 3


def test_efficiency_text_and_a_bad_job_id(lab):
    answer = hpctui("efficiency", "beta", "--days", "1", "--config", str(lab.config_path))
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.startswith("beta: ")
    bad = hpctui("efficiency", "alpha", "12;rm", "--config", str(lab.config_path))
    assert (
        bad.returncode == 2 and bad.stderr.strip() == "hpctui: not a job id: '12;rm' (expected 123, 123_4 or 123_[1-5])"
    )


def test_a_job_id_accounting_does_not_know_is_named(lab):
    answer = hpctui("efficiency", "alpha", "99999999", "--config", str(lab.config_path))
    assert (answer.returncode, answer.stdout.strip()) == (1, "alpha: job 99999999 is not in accounting")
    as_json = hpctui("efficiency", "alpha", "99999999", "--json", "--config", str(lab.config_path))
    assert as_json.returncode == 1 and json.loads(as_json.stdout)["alpha"]["unknown"] == ["99999999"]


def test_with_no_cluster_named_a_job_one_cluster_ran_is_not_unknown_on_another(lab):
    with lab_jobs(lab, "alpha") as jobs:
        job = jobs.submit("-J", "eff-anywhere", "-p", "cpu", "--wrap", "true", cwd=jobs.new_dir())
        wait_for("the job to end in accounting", lambda: jobs.sacct_state(job) == "COMPLETED", timeout=90, every=2)
        answer = hpctui("efficiency", job, "--config", str(lab.config_path))
    assert answer.returncode == 0, answer.stdout + answer.stderr
    # The lab's beta numbers its jobs from 500000: it never ran this one.
    assert f"\n  {job}  eff-anywhere  COMPLETED  " in answer.stdout
    assert {"alpha: 1 job", "beta: none of these jobs"} <= set(answer.stdout.splitlines())
    assert "not in accounting" not in answer.stdout
    nowhere = hpctui("efficiency", "99999999", "--json", "--config", str(lab.config_path))
    assert nowhere.returncode == 1
    assert [answer["unknown"] for answer in json.loads(nowhere.stdout).values()] == [["99999999"], ["99999999"]]


def test_memory_over_the_request_is_advised_up(lab):
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        over = jobs.submit("-J", "eff-over", "-p", "cpu", "--mem=100M", "-t", "30", "--wrap", BURN, cwd=work)
        wait_for("the job to end in accounting", lambda: jobs.sacct_state(over) == "COMPLETED", timeout=90, every=2)
        answer = hpctui("efficiency", "alpha", over, "--json", "--config", str(lab.config_path))
    assert answer.returncode == 0, answer.stderr
    (job,) = json.loads(answer.stdout)["alpha"]["jobs"]
    assert job["mem_eff"] > 2  # the lab does not enforce memory: ~300M of 100M
    assert job["suggested"]["mem"] in ("512M", "768M")  # the peak x1.25, rounded up to 256M
    assert any(
        words.startswith("used ") and words.endswith(f"--mem={job['suggested']['mem']} next time")
        for words in job["advice"]
    )
