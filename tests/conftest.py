"""Shared fixtures. ``lab`` gives tests the running two-cluster lab (see lab/README.md).

The lab fixture FAILS (never skips) when the lab is not running: a skipped integration test
looks green in CI while testing nothing.

Hermetic: before anything else runs, HOME and every XDG directory point into a fresh temp dir
for the whole session, and ``fresh_home`` (autouse) gives each test its own. The real HOME is
fingerprinted at the start and checked at the end: a run that changed it fails.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

XDG_DIRS = {
    "XDG_CONFIG_HOME": ".config",
    "XDG_STATE_HOME": ".local/state",
    "XDG_CACHE_HOME": ".cache",
    "XDG_DATA_HOME": ".local/share",
}
# What a test run of hpctui could touch in a HOME (config, state, audit log, known_hosts, ...).
WATCHED = (".config/hpctui", ".local/state/hpctui", ".cache/hpctui", ".local/share/hpctui", ".ssh", ".hpctui")
_REAL_HOME = Path(os.environ.get("HOME") or Path.home())
_REAL_FINGERPRINT = ""


def point_home_at(home: Path, setenv: Any) -> None:
    """HOME and every XDG directory inside ``home`` (created), through ``setenv(name, value)``."""
    home.mkdir(parents=True, exist_ok=True)
    setenv("HOME", str(home))
    for name, relative in XDG_DIRS.items():
        (home / relative).mkdir(parents=True, exist_ok=True)
        setenv(name, str(home / relative))


def fingerprint(home: Path) -> str:
    """Names, sizes and mtimes of everything under the watched parts of ``home``."""
    digest = hashlib.sha256()
    for relative in WATCHED:
        root = home / relative
        if not root.exists():
            continue
        for path in sorted([root, *root.rglob("*")]):
            try:
                stat = path.lstat()
            except OSError:
                continue
            digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def pytest_configure(config: pytest.Config) -> None:
    global _REAL_FINGERPRINT
    _REAL_FINGERPRINT = fingerprint(_REAL_HOME)
    point_home_at(Path(tempfile.mkdtemp(prefix="hpctui-test-home-")), os.environ.__setitem__)
    os.environ.pop("HPCTUI_CONFIG", None)  # a developer's own config must not leak in


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if fingerprint(_REAL_HOME) != _REAL_FINGERPRINT:
        print(f"\nFAILED: the test run changed the real HOME ({_REAL_HOME}): {', '.join(WATCHED)}")
        session.exitstatus = 1


@pytest.fixture(autouse=True)
def fresh_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own empty HOME and XDG dirs: no test sees another's (or the user's) state."""
    home = tmp_path_factory.mktemp("home")
    point_home_at(home, monkeypatch.setenv)
    monkeypatch.delenv("HPCTUI_CONFIG", raising=False)
    return home


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
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def root(self, cluster: str, command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run ``command`` locally as root against ``cluster`` (sdiag, scontrol update ...)."""
        env = {**os.environ, "SLURM_CONF": str(self.slurm_conf(cluster))}
        return subprocess.run(
            ["bash", "-c", command],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
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
