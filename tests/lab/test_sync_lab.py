"""`hpctui sync` against the lab: what arrives, what the default excludes keep out, the pitfall."""

from __future__ import annotations

import uuid

import pytest
import yaml

from hpctui.cli import main

pytestmark = pytest.mark.lab

FILES = ("train.py", "src/pkg/__init__.py", "src/pkg/data/x.py", "data/big.bin", ".git/HEAD",
         "src/pkg/__pycache__/x.cpython-311.pyc")  # fmt: skip


@pytest.fixture
def project(lab, tmp_path):
    """A local project, and a lab config whose alpha syncs it to a fresh remote directory."""
    for rel in FILES:
        (tmp_path / "proj" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "proj" / rel).write_text(rel)
    remote = f"/home/hpcuser/hpctui-test-sync-{uuid.uuid4().hex[:8]}"
    data = yaml.safe_load(lab.config_path.read_text())
    alpha = next(c for c in data["clusters"] if c["name"] == "alpha")
    alpha.update(project_dir=f"{remote}/project", local_project_dir=str(tmp_path / "proj"))
    config = tmp_path / "hpctui.yaml"
    config.write_text(yaml.safe_dump(data))
    yield config, f"{remote}/project"
    lab.ssh("alpha", f"rm -rf {remote}")


def remote_files(lab, directory: str) -> set[str]:
    answer = lab.ssh("alpha", f"cd {directory} 2>/dev/null && find . -type f")
    return {line.removeprefix("./") for line in answer.stdout.splitlines()}


def test_sync_sends_the_source_and_keeps_data_git_and_caches_out(lab, project):
    config, remote = project
    assert main(["sync", "--config", str(config), "alpha"]) == 0
    assert remote_files(lab, remote) == {"train.py", "src/pkg/__init__.py", "src/pkg/data/x.py"}


def test_unanchored_exclude_is_refused_and_nothing_is_sent(lab, project, capsys):
    config, remote = project
    assert main(["sync", "--config", str(config), "alpha", "--exclude", "data"]) == 2
    err = capsys.readouterr().err
    assert "src/pkg/data/" in err and "--exclude /data" in err
    assert remote_files(lab, remote) == set()


def test_dry_run_sends_nothing_but_lists_what_would_go(lab, project, capfd):
    config, remote = project
    assert main(["sync", "--config", str(config), "alpha", "--dry-run", "--exclude", "/src/pkg/__init__.py"]) == 0
    out = capfd.readouterr().out
    assert "src/pkg/data/x.py" in out and "__init__.py" not in out and "big.bin" not in out
    assert remote_files(lab, remote) == set()
