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


def _logged(tmp_path: Path) -> Path:
    """A config naming alpha and beta, and an audit log with one entry on alpha."""
    from hpctui.services.audit import AuditLog

    AuditLog().append("alpha", "scancel 12", True, "")
    config = tmp_path / "c.yaml"
    config.write_text("clusters:\n  - name: alpha\n    ssh: {alias: a}\n  - name: beta\n    ssh: {alias: b}\n")
    return config


def test_last_below_one_is_refused_not_an_empty_log(tmp_path: Path, capsys) -> None:
    from hpctui.cli import main

    _logged(tmp_path)
    for last in ("-1", "0"):
        assert main(["audit", "--last", last]) == 2
        out, err = capsys.readouterr()
        assert (out, err) == ("", f"hpctui: --last must be at least 1, not {last}\n")
    assert main(["audit", "--last", "1"]) == 0
    assert "cancel 12 (alpha)" in capsys.readouterr().out


def test_an_unknown_cluster_is_refused_when_the_config_names_the_clusters(tmp_path: Path, capsys) -> None:
    from hpctui.cli import main

    config = _logged(tmp_path)
    assert main(["audit", "--cluster", "nope", "--config", str(config)]) == 2
    assert capsys.readouterr().err == "hpctui: unknown cluster 'nope' (configured: alpha, beta)\n"
    assert main(["audit", "--cluster", "beta", "--config", str(config)]) == 0
    assert capsys.readouterr().out.startswith("no actions recorded yet on beta")
    # Without a config to ask, and for a cluster only the log still names, the log answers.
    assert main(["--config", str(tmp_path / "missing.yaml"), "audit", "--cluster", "nope"]) == 0
    assert capsys.readouterr().out.startswith("no actions recorded yet on nope")
    config.write_text("clusters:\n  - name: beta\n    ssh: {alias: b}\n")
    assert main(["audit", "--cluster", "alpha", "--config", str(config)]) == 0
    assert "cancel 12 (alpha)" in capsys.readouterr().out
