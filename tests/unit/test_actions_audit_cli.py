"""`hpctui audit` on a log it cannot read: one clear line, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_unreadable_audit_log_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "hpctui" / "audit.log").mkdir(parents=True)  # a directory where the log should be
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path)}
    answer = subprocess.run(
        [sys.executable, "-m", "hpctui", "audit"], env=env, capture_output=True, text=True, check=False
    )
    assert answer.returncode != 0 and "Traceback" not in answer.stderr
    assert answer.stderr.startswith("hpctui: cannot read the audit log") and answer.stderr.count("\n") == 1
