"""`hpctui watch`: a wrong CLUSTER:JOBID is one clear line and exit 2, before any connection."""

from __future__ import annotations

import pytest

from hpctui.cli import main

CONFIG = "clusters:\n  - name: alpha\n    ssh: {host: a.example}\n"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("alpha", "hpctui: not CLUSTER:JOBID: 'alpha' (e.g. alpha:123)"),
        ("zeta:12", "hpctui: unknown cluster 'zeta' (configured: alpha)"),
        ("alpha:12;rm", "hpctui: not a single job id: '12;rm' (expected 123, 123_4)"),
        ("alpha:1_[1-3]", "hpctui: not a single job id: '1_[1-3]' (expected 123, 123_4)"),
    ],
)
def test_a_wrong_target_is_one_line_and_exit_2(tmp_path, capsys, target: str, message: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG)
    assert main(["--config", str(config), "watch", target, "--until-done"]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [message] and captured.out == ""
