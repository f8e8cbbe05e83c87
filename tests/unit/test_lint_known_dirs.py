"""HPC103 knows the directories that exist on the cluster: the job's WorkDir (and its parents)
and any other directory known to be there; only a log directory beyond them must be created."""

from __future__ import annotations

from pathlib import Path

from hpctui.toolkit.lint import lint_text

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "lint" / "logs_in_workdir.sbatch"


def log_dir_findings(text: str, **context: object) -> list[str]:
    return [f.message for f in lint_text(text, "job.sbatch", **context) if f.code == "HPC103"]  # type: ignore[arg-type]


def test_logs_in_the_work_dir_are_not_a_missing_directory() -> None:
    text = FIXTURE.read_text()
    assert log_dir_findings(text, work_dir="/home/hpcuser/runs") == []


def test_without_the_work_dir_the_absolute_one_is_still_reported() -> None:
    text = FIXTURE.read_text()
    assert log_dir_findings(text) == [
        "log directory /home/hpcuser/runs/ is never created: the job fails before it starts"
    ]


def test_a_parent_of_the_work_dir_and_a_known_directory_exist() -> None:
    text = "#!/bin/bash\n#SBATCH --output=/home/hpcuser/%x_%j.out\n#SBATCH --error=../shared/%x_%j.err\n"
    assert log_dir_findings(text, work_dir="/home/hpcuser/runs", existing_dirs=("/home/hpcuser/shared/x",)) == []


def test_a_subdirectory_of_the_work_dir_still_needs_creating() -> None:
    text = "#!/bin/bash\n#SBATCH --output=logs/%x_%j.out\n"
    assert log_dir_findings(text, work_dir="/home/hpcuser/runs") == [
        "log directory logs/ is never created: the job fails before it starts"
    ]


def test_the_job_directory_itself_always_exists() -> None:
    for output in ("./%x_%j.out", "%x_%j.out", "././/%j.out"):
        assert log_dir_findings(f"#!/bin/bash\n#SBATCH --output={output}\n") == []


def test_the_submission_is_linted_with_the_command_line_options_winning() -> None:
    from hpctui.toolkit.lint import lint_submission

    script = "#!/bin/bash\n#SBATCH --time=3-00:00:00\n#SBATCH --output=logs/%x_%j.out\nmkdir -p logs\necho hi\n"
    alone = {f.code: f.line for f in lint_text(script, "job.sbatch")}
    assert alone["HPC104"] == 2  # the script alone asks for three days without --requeue
    submitted = lint_submission(script, "job.sbatch", {"time": "01:00:00", "partition": "debug"})
    assert "HPC104" not in {f.code for f in submitted}  # the command's --time=01:00:00 is what runs
    longer = lint_submission("#!/bin/bash\necho hi\n", "job.sbatch", {"time": "2-00:00:00", "requeue": True})
    # a finding caused by a command-line option is placed on line 0 (the command), never on the script
    assert {(f.code, f.line) for f in longer if f.code in ("HPC104", "HPC105")} == {("HPC105", 0)}
