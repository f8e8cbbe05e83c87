"""Pure resubmit logic: stage and auto-resume detection, option derivation and editing."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from hpctui.errors import UserError
from hpctui.slurm.accounting import fields_from_accounting, parse_accounting_job, parse_stored_script
from hpctui.slurm.directives import read_directives
from hpctui.slurm.script import AutoResume, Stages, detect_auto_resume, detect_stages
from hpctui.slurm.submit import SubmitOptions, export_of, options_from_job, resubmit_command, suggest_mem, suggest_time
from hpctui.slurm.submitline import Facts, parse_submit_line


def derive(fields: dict[str, str], script: str = "", line: str | None = None) -> SubmitOptions:
    typed = parse_submit_line(line) if line is not None else None
    return options_from_job(fields, read_directives(script), typed).options


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
    script = f"export FIRST=${{FIRST:-1}}\nfor s in {loop}\ndo\n  if [ $s -ge $FIRST ]; then run $s; fi\ndone\n"
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
    options = derive(JOB_FIELDS, "#!/bin/bash\n")
    assert options.as_options() == {
        "job-name": "my job", "partition": "gpu", "time": "01:00:00", "nodes": "1", "ntasks": "1",
        "cpus-per-task": "4", "mem": "4G", "gres": "gpu:2", "qos": "normal",
        "output": "/home/u/w/logs/my job_%j.out",
    }  # fmt: skip


def test_output_left_to_script_or_slurm_default() -> None:
    assert "output" not in derive(JOB_FIELDS, "#SBATCH -o logs/%x_%j.out\n").as_options()
    fields = {**JOB_FIELDS, "StdOut": "/home/u/w/slurm-1042.out", "StdErr": "/home/u/w/slurm-1042.out"}
    assert derive(fields).output is None


def test_array_task_pattern() -> None:
    fields = {**JOB_FIELDS, "JobId": "1050", "ArrayJobId": "1047", "ArrayTaskId": "3",
              "StdOut": "/home/u/w/o_1047_3.out", "StdErr": "/home/u/w/e_1047_3.err"}  # fmt: skip
    options = derive(fields)
    assert (options.array, options.output, options.error) == ("3", "/home/u/w/o_%A_%a.out", "/home/u/w/e_%A_%a.err")


ARRAY_REST = {  # scontrol show job 13467 on the lab, the pending rest of --array=1-4%2
    "JobId": "13467",
    "ArrayJobId": "13467",
    "ArrayTaskId": "3-4%2",
    "JobName": "arr",
    "Partition": "gpu",
    "TimeLimit": "00:30:00",
    "NumNodes": "1",
    "NumTasks": "1",
    "CPUs/Task": "1",
    "TresPerNode": "gres:gpu:1",
    "WorkDir": "/home/hpcuser/project/w16a",
    "StdOut": "/home/hpcuser/project/w16a/slurm-13467_4294967294.out",
    "StdErr": "/home/hpcuser/project/w16a/slurm-13467_4294967294.out",
}


def test_resubmitting_an_array_rest_keeps_one_log_per_task() -> None:
    """Slurm writes NO_VAL (4294967294) where the pending rest's task id goes: that is %a,
    never a literal every task of the new array would write to."""
    options = options_from_job(ARRAY_REST, read_directives("#!/bin/bash\n")).options
    assert "4294967294" not in (options.output or ""), options.output
    assert options.output in (None, "/home/hpcuser/project/w16a/slurm-%A_%a.out")
    assert options.array == "3-4%2"
    named = {**ARRAY_REST, "StdOut": "/w/o_13467_4294967294.out", "StdErr": "/w/e_13467_4294967294.err"}
    assert (derive(named).output, derive(named).error) == ("/w/o_%A_%a.out", "/w/e_%A_%a.err")


def test_an_array_id_without_a_task_id_keeps_one_log_per_task() -> None:
    """The rest's own id is the array's: alone in a path it is taken as %j (one file per task),
    not %A (one file for all); a task's own id is %j too."""
    alone = {**ARRAY_REST, "StdOut": "/w/o_13467.out", "StdErr": "/w/o_13467.out"}
    assert derive(alone).output == "/w/o_%j.out"
    task = {**ARRAY_REST, "JobId": "13470", "ArrayTaskId": "3", "StdOut": "/w/o_13470.out", "StdErr": "/w/o_13470.out"}
    assert derive(task).output == "/w/o_%j.out"


def test_edit_replaces_and_validates() -> None:
    options = SubmitOptions(time="10:00", memory="1G", partition="cpu")
    edited = options.edited(time="2-00:00:00", mem="8g", partition="gpu")
    assert edited.as_options() == {"partition": "gpu", "time": "2-00:00:00", "mem": "8G"}
    per_cpu = SubmitOptions(memory="256M", memory_kind="mem-per-cpu").edited(
        mem="512M"
    )  # keeps the kind the script uses
    assert per_cpu.as_options() == {"mem-per-cpu": "512M"}
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


def test_accounting_record_carries_every_request() -> None:
    values = {
        "JobName": "t", "Partition": "gpu", "Timelimit": "00:01:00", "WorkDir": "/w", "State": "CANCELLED by 1000",
        "NNodes": "2", "ReqCPUS": "2", "ReqMem": "1G", "ReqTRES": "billing=2,cpu=2,gres/gpu=4,mem=1G,node=2",
        "Account": "proj_1", "QOS": "high", "Constraints": "a100", "Reservation": "maint",
        "SubmitLine": "sbatch -o o_%j s.sh",
    }  # fmt: skip
    row = "\x1f".join(values.values())
    older = "\x1f".join(["older", *[""] * (len(values) - 2), "sbatch x"])
    record = parse_accounting_job(f"{older}\n{row}\n")
    assert record["State"] == "CANCELLED" and record["SubmitLine"] == "sbatch -o o_%j s.sh"
    fields = fields_from_accounting("9", record)
    options = derive(fields, "#!/bin/sh\n", record["SubmitLine"])
    assert options.as_options() == {
        "job-name": "t", "partition": "gpu", "time": "00:01:00", "nodes": "2", "mem": "512M", "gres": "gpu:2",
        "account": "proj_1", "qos": "high", "constraint": "a100", "reservation": "maint", "output": "o_%j",
    }  # fmt: skip
    assert (
        derive(fields, "#SBATCH --mem-per-cpu=300M\n#SBATCH --gpus-per-node=2\n")
        .as_options()
        .keys()
        .isdisjoint({"mem", "mem-per-cpu", "gres"})
    )  # the script brings its own: never doubled
    assert parse_stored_script("Batch Script for 9\n-----\n#!/bin/sh\necho hi\n") == "#!/bin/sh\necho hi\n"
    assert parse_stored_script("Batch Script for 9\n-----\nNONE\n\n") is None


def test_an_ended_jobs_gpu_type_from_its_submit_line_is_kept() -> None:
    """Accounting's ReqTRES (gres/gpu=2) has no GPU type: the SubmitLine's --gres=gpu:mi250x:2,
    which asks for as many, wins; else the new job may land on another type of GPU."""
    record = {  # sacct of job 13464 on the lab
        "JobName": "evil",
        "Partition": "gpu",
        "Timelimit": "00:30:00",
        "WorkDir": "/home/hpcuser/project/w16a",
        "State": "FAILED",
        "NNodes": "1",
        "ReqCPUS": "1",
        "ReqMem": "256M",
        "ReqTRES": "billing=1,cpu=1,gres/gpu=2,mem=256M,node=1",
        "Account": "lab",
        "QOS": "normal",
        "SubmitLine": "sbatch --job-name=evil --gres=gpu:mi250x:2 -o %x_%j.out train.sh",
    }
    fields = fields_from_accounting("13464", record)
    typed = parse_submit_line(record["SubmitLine"])
    options = options_from_job(fields, read_directives("#!/bin/bash\n"), typed).options
    assert options.gres == "gpu:mi250x:2", options.gres
    untyped = {**record, "SubmitLine": "sbatch --gres=gpu:2 train.sh"}
    assert derive(fields_from_accounting("13464", untyped), "", untyped["SubmitLine"]).gres == "gpu:2"
    changed = {**fields, "TresPerNode": "gres:gpu:1"}  # the job was changed after it was submitted
    assert derive(changed, "", record["SubmitLine"]).gres == "gpu:1"
    assert derive(fields, "#!/bin/bash\n").gres == "gpu:2"  # nothing typed: accounting's


def test_log_pattern_replaces_only_the_expanded_job_id() -> None:
    fields = {**JOB_FIELDS, "JobId": "1234", "StdOut": "/data/1234/run_1234.out", "StdErr": "/data/1234/run_1234.out"}
    assert derive(fields).output == "/data/1234/run_%j.out"
    typed = derive(fields, "", "sbatch -o /data/1234/run_%j.out t.sh")  # the pattern as typed wins
    assert typed.output == "/data/1234/run_%j.out"
    one_dir = {**fields, "StdOut": "/data/1234/out.txt", "StdErr": "/data/1234/out.txt"}
    assert derive(one_dir).output == "/data/%j/out.txt"  # once: wherever it is
    result = options_from_job(fields, read_directives(""))
    assert result.unsure == (
        "log path /data/1234/run_1234.out: 1234 appears 2 times; taken as %j only in the file name (else at its last place)",
    )


def test_typed_options_win_and_equivalents_are_not_doubled() -> None:
    fields = {**JOB_FIELDS, "TresPerNode": "gres:gpu:4", "Account": "proj_1", "MemPerTres": "gres:gpu:100"}
    line = (
        "sbatch --gpus-per-node 4 -B 2:8 -A proj_1 --signal=B:USR1@60 --dependency=afterok:5 --mem-per-gpu=100M "
        "t.sh --lr 0.1"
    )
    result = options_from_job(fields, read_directives(""), parse_submit_line(line))
    rendered = result.options.as_options()
    assert rendered["gpus-per-node"] == "4" and "gres" not in rendered
    assert (
        rendered["extra-node-info"] == "2:8" and rendered["account"] == "proj_1" and rendered["signal"] == "B:USR1@60"
    )
    assert rendered["mem-per-gpu"] == "100M" and "mem" not in rendered and "dependency" not in rendered
    assert any("--dependency=afterok:5" in note for note in result.notes)


@pytest.mark.parametrize(
    ("line", "script", "extra", "expected"),
    [
        ("sbatch --export=NONE t.sh", "", {}, ["--export=NONE"]),
        ("sbatch --export=NONE t.sh", "", {"START_STAGE": "2"}, ["START_STAGE=2", "--export=START_STAGE"]),
        ("sbatch t.sh", "#SBATCH --export=NONE\n", {}, []),  # the script's own NONE applies
        ("sbatch --export=FOO,BAR=x y t.sh", "", {"S": "1"}, ["BAR=x y", "S=1", "--export=FOO,BAR,S"]),
        ("sbatch --export=ALL,MSG=hi t.sh", "#SBATCH --export=NONE\n", {}, ["MSG=hi", "--export=ALL"]),
    ],
)
def test_export_keeps_what_the_job_imported(line: str, script: str, extra: dict[str, str], expected: list[str]) -> None:
    typed = parse_submit_line(line, Facts(job_name="t.sh"))
    export = export_of(typed, read_directives(script))
    words = shlex.split(resubmit_command("t.sh", [], work_dir="/w", export=export, extra_env=extra, options={}))
    assert [w for w in words if "=" in w and not w.startswith("--parsable")] == expected
