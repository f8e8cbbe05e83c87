"""`hpctui` (the TUI) refuses a bad config or theme with one line, before any app starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpctui.cli import main


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("config", "args", "expected"),
    [
        ("clusters:\n  - name: x\n    ssh: {hots: localhost}\n", [], "config.yaml:3:"),
        ("clusters:\n  - name: x\n    ssh: {host: localhost}\n", ["--theme", "neon"], "unknown theme 'neon'"),
        (
            "theme: neon\nclusters:\n  - name: x\n    ssh: {host: localhost}\n",
            [],
            "config.yaml:1:8: theme: unknown value 'neon'",
        ),
    ],
)
def test_errors_are_one_line_and_exit_2(tmp_path: Path, capsys, config: str, args: list[str], expected: str) -> None:
    code = main(["--config", str(write(tmp_path, config)), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err
    assert err.count("\n") == 1 and err.startswith("hpctui: ")
