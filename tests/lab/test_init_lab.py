"""`hpctui init` against the lab: the config it writes names what sinfo says, and works."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hpctui.config.load import load_config

pytestmark = pytest.mark.lab


def hpctui(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hpctui", *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def sinfo_says(lab, cluster: str) -> dict[str, dict]:
    """Per partition, read with sinfo's own format letters (not hpctui's): GPUs by type, the
    smallest node's cores and memory (MB)."""
    answer = lab.ssh(cluster, "sinfo --noheader --Node --format='%R|%G|%c|%m'")
    assert answer.returncode == 0, answer.stderr
    found: dict[str, dict] = {}
    for line in answer.stdout.split():
        partition, gres, cores, memory = line.split("|")
        entry = found.setdefault(partition, {"gpus": {}, "cores": [], "memory": []})
        for item in gres.split(","):
            kind, _, rest = item.partition(":")
            if kind == "gpu":
                gpu_type, _, count = rest.partition(":")
                entry["gpus"][gpu_type] = entry["gpus"].get(gpu_type, 0) + int(count.split("(")[0])
        entry["cores"].append(int(cores))
        entry["memory"].append(int(memory))
    return found


def test_init_writes_what_sinfo_says_and_status_works(lab, tmp_path):
    output = tmp_path / "config.yaml"
    made = hpctui(
        "init", "--ssh-config", str(lab.ssh_config), "--hosts", "alpha,beta", "--yes", "--output", str(output),
        cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    assert f"# OK: {output} is valid (2 clusters)" in made.stdout
    config = load_config(output)
    assert [c.name for c in config.clusters] == ["alpha", "beta"]
    for cluster in config.clusters:
        assert cluster.ssh.alias == cluster.name and cluster.ssh.ssh_config == str(lab.ssh_config)
        said = sinfo_says(lab, cluster.name)
        assert {p.name for p in cluster.partitions} == set(said)
        for partition in cluster.partitions:
            truth = said[partition.name]
            if truth["gpus"]:
                most = max(truth["gpus"].values())
                assert truth["gpus"][partition.gpu_type] == most
            else:
                assert partition.gpu_type is None
            assert partition.cores_per_node == min(truth["cores"])
            assert partition.mem_gb_per_node == pytest.approx(min(truth["memory"]) / 1024, abs=0.1)
    assert {p.name: p.vram_gb for p in config.cluster("alpha").partitions} == {"gpu": 64, "cpu": None}
    assert config.cluster("alpha").rules.rocm and not config.cluster("beta").rules.rocm
    account = lab.ssh("alpha", "sacctmgr -n -P show assoc user=$USER format=account").stdout.split()[0]
    assert f"#   SBATCH_ACCOUNT: {account}" in output.read_text()

    status = hpctui("--config", str(output), "status", "--json", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    shown = {c["name"]: c for c in json.loads(status.stdout)["clusters"]}
    assert set(shown) == {"alpha", "beta"} and all(c["ok"] for c in shown.values())
    accel = {p["name"]: p for p in shown["beta"]["partitions"]}["accel"]
    assert accel["gpus_by_type"] == sinfo_says(lab, "beta")["accel"]["gpus"]
