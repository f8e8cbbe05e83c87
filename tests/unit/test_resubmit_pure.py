"""Pure resubmit logic: stage and auto-resume detection, option derivation and editing."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpctui.errors import UserError
from hpctui.slurm.resubmit import (
    AutoResume,
    accounting_memory,
    exported_variables,
    fields_from_accounting,
    parse_accounting_job,
    parse_stored_script,
    parse_submit_line,
    script_from_submit_line,
    Stages,
    SubmitOptions,
    detect_auto_resume,
    detect_stages,
    options_from_job,
    suggest_mem,
    suggest_time,
)

FIELD_NOTES_SCRIPT = """#!/bin/bash
#SBATCH --job-name=train
set -euo pipefail
OUTPUT_DIR=outputs/run1
START_STAGE="${START_STAGE:-0}"
for STAGE in 0 1 2 3; do
    [ "$STAGE" -lt "$START_STAGE" ] && continue
    echo "stage $STAGE"
done
RESUME_ARG=""
if [ -f "$OUTPUT_DIR/latest.pt" ]; then
    echo "Resuming from $OUTPUT_DIR/latest.pt"
    RESUME_ARG="--resume $OUTPUT_DIR/latest.pt"
fi
python3 scripts/train.py $RESUME_ARG
"""


def test_field_notes_stage_pattern() -> None:
    assert detect_stages(FIELD_NOTES_SCRIPT) == Stages("START_STAGE", 0, (0, 1, 2, 3))


@pytest.mark.parametrize(
    ("loop", "values"),
    [("{1..4}", (1, 2, 3, 4)), ("$(seq 2 5)", (2, 3, 4, 5)), ("$(seq 3)", (1, 2, 3))],
)
def test_stage_loop_ranges(loop: str, values: tuple[int, ...]) -> None:
    script = f'export FIRST=${{FIRST:-1}}\nfor s in {loop}\ndo\n  if [ $s -ge $FIRST ]; then run $s; fi\ndone\n'
    assert detect_stages(script) == Stages("FIRST", 1, values)


def test_no_stage_pattern_without_comparison_or_shared_name() -> None:
    script = 'N="${N:-3}"\nfor i in 1 2 3; do echo $i; done\n'
    assert detect_stages(script) is None
    assert detect_stages("#!/bin/sh\necho hi\n") is None


def test_auto_resume_resolved_relative_to_workdir() -> None:
    found = detect_auto_resume(FIELD_NOTES_SCRIPT, "/home/u/proj")
    assert found is not None
    assert found.checkpoint == "$OUTPUT_DIR/latest.pt"
    assert found.resolved == "/home/u/proj/outputs/run1/latest.pt"


def test_auto_resume_default_expansion_and_unresolvable() -> None:
    script = 'OUT="${OUT_ROOT:-/scratch/x}/run"\nif [[ -f $OUT/latest.pt ]]; then ARGS="--resume $OUT/latest.pt"; fi\n'
    assert detect_auto_resume(script, "/w") == detect_auto_resume(script, None)
    assert detect_auto_resume(script, "/w").resolved == "/scratch/x/run/latest.pt"  # type: ignore[union-attr]
    unknown = 'OUT=$(mktemp -d)\nif [ -f "$OUT/latest.pt" ]; then python t.py --resume "$OUT/latest.pt"; fi\n'
    found = detect_auto_resume(unknown, "/w")
    assert found is not None and found.resolved is None


def test_no_auto_resume_without_resume_flag() -> None:
    assert detect_auto_resume('if [ -f "$D/latest.pt" ]; then echo yes; fi\n', "/w") is None


JOB_FIELDS = {
    "JobId": "1042",
    "JobName": "my job",
    "Partition": "gpu",
    "TimeLimit": "01:00:00",
    "NumNodes": "1",
    "NumTasks": "1",
    "CPUs/Task": "4",
    "MinMemoryNode": "4G",
    "TresPerNode": "gres:gpu:2",
    "Account": "(null)",
    "QOS": "normal",
    "Features": "(null)",
    "WorkDir": "/home/u/w",
    "StdOut": "/home/u/w/logs/my job_1042.out",
    "StdErr": "/home/u/w/logs/my job_1042.out",
}


def test_options_from_job_reproduce_request() -> None:
    options = options_from_job(JOB_FIELDS, "#!/bin/bash\n")
    assert options.as_options() == {
        "job-name": "my job", "partition": "gpu", "time": "01:00:00", "nodes": "1", "ntasks": "1",
        "cpus-per-task": "4", "mem": "4G", "gres": "gpu:2", "qos": "normal",
        "output": "/home/u/w/logs/my job_%j.out",
    }  # fmt: skip


def test_output_left_to_script_or_slurm_default() -> None:
    assert options_from_job(JOB_FIELDS, "#SBATCH -o logs/%x_%j.out\n").output is None
    fields = {**JOB_FIELDS, "StdOut": "/home/u/w/slurm-1042.out", "StdErr": "/home/u/w/slurm-1042.out"}
    assert options_from_job(fields, "").output is None


def test_array_task_pattern() -> None:
    fields = {**JOB_FIELDS, "JobId": "1050", "ArrayJobId": "1047", "ArrayTaskId": "3",
              "StdOut": "/home/u/w/o_1047_3.out", "StdErr": "/home/u/w/e_1047_3.err"}  # fmt: skip
    options = options_from_job(fields, "")
    assert (options.array, options.output, options.error) == ("3", "/home/u/w/o_%A_%a.out", "/home/u/w/e_%A_%a.err")


def test_edit_replaces_and_validates() -> None:
    options = SubmitOptions(time="10:00", mem="1G", partition="cpu")
    edited = options.edited(time="2-00:00:00", mem="8g", partition="gpu")
    assert (edited.time, edited.mem, edited.mem_per_cpu, edited.partition) == ("2-00:00:00", "8G", None, "gpu")
    per_cpu = SubmitOptions(mem_per_cpu="256M").edited(mem="512M")  # keeps the kind the script uses
    assert (per_cpu.mem, per_cpu.mem_per_cpu, per_cpu.memory) == (None, "512M", "512M")
    for bad in ({"time": "1h; rm -rf ~"}, {"mem": "lots"}, {"partition": "a b"}):
        with pytest.raises(UserError):
            options.edited(**bad)


def test_suggestions() -> None:
    assert suggest_time("01:00:00") == "01:30:00"
    assert suggest_time("20-00:00:00") == "30-00:00:00"
    assert suggest_time("00:01:10") == "00:02:00"  # rounded up to a minute
    assert suggest_time("UNLIMITED") is None
    assert suggest_mem("500M") == "1000M" and suggest_mem("4G") == "8G" and suggest_mem("2048") == "4096M"
    assert suggest_mem(None) is None


def test_lab_training_job_nested_defaults_and_job_name() -> None:
    """lab/jobs/train.sbatch: OUTPUT_DIR="${OUTPUT_DIR:-outputs/${SLURM_JOB_NAME:-train}}", no --resume."""
    script = (Path(__file__).parents[2] / "lab" / "jobs" / "train.sbatch").read_text()
    assert detect_stages(script) == Stages("START_STAGE", 0, (0, 1, 2, 3))
    named = detect_auto_resume(script, "/home/hpcuser/project", {"SLURM_JOB_NAME": "my run"})
    assert named == AutoResume("$OUTPUT_DIR/latest.pt", "/home/hpcuser/project/outputs/my run/latest.pt")
    unnamed = detect_auto_resume(script, "/home/hpcuser/project")
    assert unnamed is not None and unnamed.resolved == "/home/hpcuser/project/outputs/train/latest.pt"


@pytest.mark.parametrize(
    ("line", "options", "script"),
    [
        ("sbatch --parsable --export=ALL,A=1 train.sbatch", {"parsable": "", "export": "ALL,A=1"}, ["train.sbatch"]),
        ("sbatch -p gpu -J x --time 10 -ologs/%j my job.sh a", {"partition": "gpu", "job-name": "x", "time": "10",
         "output": "logs/%j"}, ["my", "job.sh", "a"]),  # fmt: skip
        ("sbatch --no-requeue --wrap sleep 100", {"no-requeue": "", "wrap": "sleep"}, []),
        ("sbatch /abs/x.sh", {}, ["/abs/x.sh"]),
    ],
)
def test_parse_submit_line(line: str, options: dict[str, str], script: list[str]) -> None:
    parsed = parse_submit_line(line)
    assert (parsed.options, parsed.script_words) == (options, script)


def test_script_and_exports_from_submit_line() -> None:
    assert script_from_submit_line("sbatch -p gpu my job.sh a b", "/w") == "/w/my job.sh a b"
    assert script_from_submit_line("sbatch /abs/x.sh", "/w") == "/abs/x.sh"
    assert script_from_submit_line("sbatch --wrap echo hi", "/w") == ""
    assert exported_variables("sbatch --export=ALL,A=1,B=x=y,bad-name=2 s.sh") == {"A": "1", "B": "x=y"}


def test_accounting_record_and_stored_script() -> None:
    row = "\x1f".join(["t", "cpu", "00:01:00", "/w", "CANCELLED by 1000", "2", "cpu=2,mem=1G,node=2", "sbatch -o o_%j s.sh"])
    record = parse_accounting_job(f"older\x1fcpu\x1f1\x1f/w\x1fFAILED\x1f1\x1f\x1fsbatch x\n{row}\n")
    assert record["State"] == "CANCELLED" and record["SubmitLine"] == "sbatch -o o_%j s.sh"
    fields = fields_from_accounting("9", record)
    assert (fields["Command"], fields["StdOut"], fields["TimeLimit"], fields["NumNodes"]) == ("/w/s.sh", "o_%j", "00:01:00", "2")
    assert accounting_memory(fields, "#!/bin/sh\n") == {"MinMemoryNode": "512M"}
    assert accounting_memory(fields, "#SBATCH --mem=2G\n#SBATCH --mem-per-cpu=300M\n") == {"MinMemoryCPU": "300M"}
    assert options_from_job(fields, "").output == "o_%j"
    assert parse_stored_script("Batch Script for 9\n-----\n#!/bin/sh\necho hi\n") == "#!/bin/sh\necho hi\n"
    assert parse_stored_script("Batch Script for 9\n-----\nNONE\n\n") is None
