"""`hpctui status` end to end: the real CLI, over SSH, against both lab clusters."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.lab


def hpctui(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hpctui", *args], capture_output=True, text=True, timeout=120)


def test_status_json_shows_both_clusters_jobs_and_gpus(lab):
    submit = "sbatch --parsable -p accel --gres=gpu:a100:1 -J statuscli -o 'st_%x_%j.out' --wrap 'sleep 120'"
    job = lab.ssh("beta", submit).stdout.strip()
    try:
        answer = hpctui("status", "--json", "--config", str(lab.config_path))
        assert answer.returncode == 0, answer.stderr
        clusters = {c["name"]: c for c in json.loads(answer.stdout)["clusters"]}
        assert set(clusters) == {"alpha", "beta"}
        mine = next(j for j in clusters["beta"]["jobs"] if j["job_id"] == job)
        assert mine["stdout"] == mine["stderr"] == f"/home/hpcuser/st_statuscli_{job}.out"  # expanded
        assert mine["stdout_pattern"] == "/home/hpcuser/st_%x_%j.out"  # as squeue 22.05 prints it
        assert all(j["cluster"] == "beta" for j in clusters["beta"]["jobs"])
        accel = {p["name"]: p for p in clusters["beta"]["partitions"]}["accel"]
        assert "a100" in accel["gpus_by_type"] and accel["gpus_total"] >= 4
        gpu = {p["name"]: p for p in clusters["alpha"]["partitions"]}["gpu"]
        assert gpu["gpus_by_type"] == {"mi250x": gpu["gpus_total"]} and gpu["gpus_total"] >= 8
    finally:
        lab.ssh("beta", f"scancel {job}")


def test_status_exit_1_names_the_cluster_that_did_not_answer(lab, tmp_path):
    broken = lab.config_path.read_text().replace("alias: beta", "alias: beta, port: 1")
    config = tmp_path / "config.yaml"
    config.write_text(broken)
    answer = hpctui("status", "--config", str(config))
    assert answer.returncode == 1
    assert re.search(r"^alpha: [\d,]+ jobs?$", answer.stdout, re.M), answer.stdout
    assert "beta: FAILED" in answer.stdout
    assert "Traceback" not in answer.stderr
