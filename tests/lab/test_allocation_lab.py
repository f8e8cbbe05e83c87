"""`hpctui allocation` end to end: sreport and sacctmgr on the lab's slurmdbd, through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.lab


def test_allocation_json_for_both_clusters(lab):
    answer = subprocess.run(
        [sys.executable, "-m", "hpctui", "allocation", "--json", "--config", str(lab.config_path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert answer.returncode == 0, answer.stderr
    found = json.loads(answer.stdout)
    alpha, beta = found["alpha"], found["beta"]
    assert alpha["ok"] and alpha["account"] == "lab"  # hpcuser's default account
    assert (alpha["granted"], alpha["granted_from"]) == ({"core_hours": 100_000.0, "gpu_hours": 10_000.0}, "sacctmgr")
    assert alpha["used"]["core_hours"] >= 0 and alpha["recent_days"] >= 1
    assert beta["ok"] and beta["granted"] is None and beta["granted_from"] == ""  # lab/up grants alpha only


def test_allocation_text_and_an_unknown_cluster(lab):
    def hpctui(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "hpctui", *args, "--config", str(lab.config_path)],
                              capture_output=True, text=True, timeout=120, check=False)  # fmt: skip

    text = hpctui("allocation", "alpha")
    assert text.returncode == 0 and text.stdout.startswith("alpha: lab: ") and "of 100,000 core-h" in text.stdout
    unknown = hpctui("allocation", "gamma")
    assert unknown.returncode == 2 and "unknown cluster 'gamma'" in unknown.stderr and "Traceback" not in unknown.stderr
