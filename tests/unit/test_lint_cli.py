"""`hpctui lint` through hpctui.cli.main: output formats, exit codes, --cluster/--config/--tree."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hpctui.cli import main

EXAMPLE_CONFIG = str(Path(__file__).parents[2] / "config.example.yaml")
CLEAN = "#!/bin/bash\nset -euo pipefail\necho hi\n"
BETZY_JOB = (
    "#!/bin/bash\n#SBATCH --partition=normal\n#SBATCH --mem=8G\n#SBATCH --time=01:00:00\n"
    "#SBATCH --output=logs/%x_%j.out\nset -euo pipefail\nmkdir -p logs\nsrun ./prep.sh\n"
)


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    (tmp_path / "clean.sh").write_text(CLEAN)
    (tmp_path / "job.sbatch").write_text(BETZY_JOB)
    return tmp_path


def test_clean_file_exits_0(scripts, capsys):
    assert main(["lint", str(scripts / "clean.sh")]) == 0
    out, err = capsys.readouterr()
    assert (out, err.strip()) == ("", "1 file checked, no findings")


def test_findings_exit_1_with_path_line_col_code_and_fix_line(scripts, capsys):
    (scripts / "bad.sh").write_text("#!/bin/bash\nmodule load GCC\n")
    assert main(["lint", str(scripts / "bad.sh")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{scripts / 'bad.sh'}:2:1 HPC001 ")
    assert lines[1] == "  fix: put `set -euo pipefail` right after the #SBATCH lines (the first command of the script)"
    assert lines[2].startswith(f"{scripts / 'bad.sh'}:2:13 HPC309 ")


def test_cluster_rules_come_from_the_config(scripts, capsys):
    assert main(["lint", str(scripts / "job.sbatch")]) == 0
    assert main(["--config", EXAMPLE_CONFIG, "lint", "--cluster", "betzy", str(scripts / "job.sbatch")]) == 1
    assert "HPC301 --mem on partition normal: cluster betzy forbids it there" in capsys.readouterr().out


def test_config_option_after_the_subcommand(scripts, capsys):
    assert main(["lint", str(scripts / "job.sbatch"), "--cluster", "betzy", "--config", EXAMPLE_CONFIG]) == 1
    assert "HPC301" in capsys.readouterr().out


def test_json_format(scripts, capsys):
    assert main(["lint", "--format", "json", "--cluster", "betzy", "--config", EXAMPLE_CONFIG, str(scripts)]) == 1
    [finding] = json.loads(capsys.readouterr().out)
    assert finding == {
        "path": str(scripts / "job.sbatch"), "line": 3, "col": 9, "code": "HPC301", "severity": "error",
        "message": "--mem on partition normal: cluster betzy forbids it there",
        "hint": "remove --mem (and --mem-per-cpu/--mem-per-gpu) for that partition",
    }  # fmt: skip


def test_json_format_clean_is_an_empty_list(scripts, capsys):
    assert main(["lint", "--format", "json", str(scripts / "clean.sh")]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_directories_are_walked(scripts, capsys):
    (scripts / "sub").mkdir()
    (scripts / "sub" / "run.sh").write_text("#!/bin/bash\necho\n")
    assert main(["lint", str(scripts)]) == 1
    out = capsys.readouterr().out
    assert f"{scripts / 'sub' / 'run.sh'}:2:1 HPC001" in out


def test_tree_option(scripts, tmp_path_factory, capsys):
    tree = tmp_path_factory.mktemp("tree")
    (tree / "src" / "pkg" / "data").mkdir(parents=True)
    (tree / "src" / "pkg" / "data" / "__init__.py").write_text("")
    (scripts / "sync.sh").write_text(CLEAN + "rsync -a --exclude data ./ host:x/\n")
    assert main(["lint", "--tree", str(tree), str(scripts / "sync.sh")]) == 1
    assert "HPC201" in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "message"), [
    (["lint", "/no/such/script.sh"], "no such file or directory: /no/such/script.sh"),
    (["lint", "--cluster", "nowhere", "--config", EXAMPLE_CONFIG, "."], "unknown cluster 'nowhere'"),
    (["lint", "--tree", "/no/such/dir", "."], "--tree /no/such/dir: not a directory"),
])  # fmt: skip
def test_usage_errors_exit_2_with_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_no_path_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["lint"])
    assert exit_info.value.code == 2
    assert "PATH" in capsys.readouterr().err


def test_unknown_file_kind_named_explicitly_is_said_on_stderr(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hi\n")
    assert main(["lint", str(tmp_path / "notes.txt")]) == 0
    assert "notes.txt: not a script" in capsys.readouterr().err
