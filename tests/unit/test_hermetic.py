"""The suite is hermetic: each test has its own HOME, and a run that changes the real HOME fails."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"


def run_suite(tmp_path: Path, test_body: str) -> subprocess.CompletedProcess[str]:
    """pytest in a subprocess, with our conftest, a "real" HOME of its own and one test."""
    suite = tmp_path / "suite"
    suite.mkdir()
    shutil.copy(CONFTEST, suite / "conftest.py")
    (suite / "test_one.py").write_text(f"import os\nfrom pathlib import Path\n\ndef test_one():\n{test_body}\n")
    real_home = tmp_path / "real-home"
    real_home.mkdir()
    env = {**os.environ, "HOME": str(real_home), "REAL_HOME": str(real_home)}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(suite)],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_each_test_gets_an_empty_home_of_its_own(tmp_path: Path, fresh_home: Path) -> None:
    assert Path.home() == fresh_home and os.environ["XDG_STATE_HOME"].startswith(str(fresh_home))
    assert not any(fresh_home.rglob("hpctui*"))


def test_a_run_that_writes_into_the_real_home_fails(tmp_path: Path) -> None:
    body = "    state = Path(os.environ['REAL_HOME'], '.local/state/hpctui')\n    state.mkdir(parents=True)\n    (state / 'audit.log').write_text('x')"
    done = run_suite(tmp_path, body)
    assert done.returncode == 1, done.stdout
    assert "changed the real HOME" in done.stdout


def test_a_run_that_keeps_to_its_own_home_passes(tmp_path: Path) -> None:
    body = "    state = Path.home() / '.local/state/hpctui'\n    state.mkdir(parents=True)\n    (state / 'audit.log').write_text('x')"
    done = run_suite(tmp_path, body)
    assert done.returncode == 0, done.stdout
