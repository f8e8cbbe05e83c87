"""Shared fixtures. ``lab`` gives tests the running two-cluster lab (see lab/README.md).

The lab fixture FAILS (never skips) when the lab is not running: a skipped integration test
looks green in CI while testing nothing.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CLUSTERS = ("alpha", "beta")


@dataclass(frozen=True)
class Lab:
    """The running lab: its files, its parsed config, and ways to run commands on it."""

    dir: Path
    config: Any  # hpctui.config.model.Config, or None while the loader is unavailable

    @property
    def config_path(self) -> Path:
        return self.dir / "hpctui.yaml"

    @property
    def ssh_config(self) -> Path:
        return self.dir / "ssh_config"

    @property
    def known_hosts(self) -> Path:
        return self.dir / "known_hosts"

    @property
    def identity(self) -> Path:
        return self.dir / "id_ed25519"

    def slurm_conf(self, cluster: str) -> Path:
        return self.dir / cluster / "slurm.conf"

    def ssh(self, cluster: str, command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run ``command`` as the lab's login user on ``cluster`` through the system ssh."""
        return subprocess.run(
            ["ssh", "-F", str(self.ssh_config), "-n", cluster, command],
            capture_output=True, text=True, timeout=timeout, check=False,
        )

    def root(self, cluster: str, command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run ``command`` locally as root against ``cluster`` (sdiag, scontrol update ...)."""
        env = {**os.environ, "SLURM_CONF": str(self.slurm_conf(cluster))}
        return subprocess.run(
            ["bash", "-c", command], env=env,
            capture_output=True, text=True, timeout=timeout, check=False,
        )


def lab_dir() -> Path:
    return Path(os.environ.get("HPCTUI_LAB_DIR", "/tmp/hpctui-lab"))


def _load_config(path: Path) -> Any:
    try:
        from hpctui.config.load import load_config
    except ImportError:
        return None
    return load_config(path)


@pytest.fixture(scope="session")
def lab() -> Lab:
    found = Lab(dir=lab_dir(), config=None)
    if not found.config_path.is_file():
        pytest.fail(f"lab is not running: run lab/up ({found.config_path} missing)")
    for cluster in CLUSTERS:
        try:
            answer = found.ssh(cluster, "true", timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail(f"lab is not running: run lab/up (ssh {cluster} timed out)")
        if answer.returncode != 0:
            pytest.fail(f"lab is not running: run lab/up (ssh {cluster}: {answer.stderr.strip()})")
    return Lab(dir=found.dir, config=_load_config(found.config_path))
