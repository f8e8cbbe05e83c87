"""Live use, pure parts: sstat rows, nvidia-smi CSV, rocm-smi JSON, the GPU step's command and frames."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hpctui.errors import UserError
from hpctui.slurm.errors import SlurmParseError, SlurmProblem
from hpctui.slurm.livecmd import BEGIN, END, GpuFrames, gpu_step_command, gpu_tool_line, sstat_command
from hpctui.slurm.parse.fields import parse_cpu_time
from hpctui.slurm.parse.usage import GpuUse, parse_nvidia_csv, parse_rocm_json, parse_sstat

FIXTURES = Path(__file__).parent.parent / "fixtures" / "slurm"
GIB = 1 << 30
MIB = 1 << 20


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def test_sstat_from_the_lab_adds_up_the_running_steps() -> None:
    usage = parse_sstat(fixture("sstat.txt"))
    assert [step.step for step in usage.steps] == ["17000.batch", "17000.1"]
    assert usage.steps[0].max_rss == 214500 * 1024
    assert usage.rss == (214500 + 2860) * 1024
    assert usage.cpu_s == 0
    assert usage.steps[0].gpu_util is None  # the lab gathers no GPU TRES


def test_sstat_reads_gpu_tres_and_cpu_times_with_days() -> None:
    usage = parse_sstat(fixture("sstat_gpu_tres.txt"))
    step = usage.steps[1]
    assert step.cpu_s == ((24 + 2) * 60 + 3) * 60 + 4
    assert step.max_rss == round(31.5 * GIB)
    assert step.gpu_util == 99  # the maximum, from TRESUsageInMax
    assert step.gpu_mem == 35000 * MIB
    assert usage.cpu_s == 5 + step.cpu_s


def test_sstat_of_a_job_without_running_steps_is_empty() -> None:
    assert parse_sstat("").steps == ()
    with pytest.raises(SlurmParseError, match="expected 5 fields"):
        parse_sstat("123.batch|00:00:01|12K\n")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00:00", 0), ("01:02:03", 3723), ("1-00:00:01", 86401), ("02:03.500", 123.5), ("", None)],
)
def test_cpu_times(text: str, seconds: float | None) -> None:
    assert parse_cpu_time(text) == seconds


def test_nvidia_csv() -> None:
    gpus = parse_nvidia_csv(fixture("nvidia_smi.csv"))
    assert gpus[0] == GpuUse(0, "NVIDIA A100-SXM4-40GB", 87.0, 30517 * MIB, 40960 * MIB)
    assert gpus[1].util_pct == 0
    assert gpus[2].name == "Tesla V100-SXM2-32GB" and gpus[2].util_pct is None  # [N/A]
    assert parse_nvidia_csv("0, Name, with comma, 5, 1, 2\n")[0].name == "Name, with comma"


def test_nvidia_error_text_is_a_parse_error() -> None:
    with pytest.raises(SlurmParseError, match="not a GPU line"):
        parse_nvidia_csv("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n")


def test_rocm_json_after_warnings_and_with_a_system_entry() -> None:
    gpus = parse_rocm_json(fixture("rocm_smi.json"))
    assert [gpu.index for gpu in gpus] == [0, 1]
    assert gpus[0] == GpuUse(0, "card0", 68.0, 28823961600, 68702699520)
    assert gpus[1].name == "AMD INSTINCT MI250X" and gpus[1].util_pct == 0


def test_rocm_without_json() -> None:
    with pytest.raises(SlurmParseError, match="no JSON"):
        parse_rocm_json("ERROR: GPU[0] : Unable to get usage\n")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_usage_parsers_raise_only_slurm_problems(text: str) -> None:
    for parse in (parse_sstat, parse_nvidia_csv, parse_rocm_json, parse_cpu_time):
        try:
            parse(text)
        except SlurmProblem:
            pass


def test_commands_quote_and_validate() -> None:
    assert "sstat -j 123 -a -P -n --format=JobID,AveCPU,MaxRSS,TRESUsageInAve,TRESUsageInMax" in sstat_command("123")
    with pytest.raises(UserError):
        sstat_command("123; rm -rf ~")
    with pytest.raises(UserError):
        gpu_step_command("1 2", "nvidia-smi", every_s=15, life_s=600)
    line = gpu_tool_line("rocm", "/opt/rocm/bin/rocm-smi")
    assert line == "/opt/rocm/bin/rocm-smi --showuse --showmeminfo vram --json"
    command = gpu_step_command("123", line, every_s=15, life_s=600)
    assert "timeout -k 5 600 srun --jobid=123 --overlap -N1 -n1" in command
    loop = shlex.split(command.split("srun ", 1)[1].split(" </dev/null")[0])[-1]
    assert "-lt 40 ]" in loop and line in loop  # 600 s / 15 s readings, then the step ends by itself


def test_frames_across_chunks_and_stray_lines() -> None:
    frames = GpuFrames()
    assert frames.feed(b"srun: error: Unable to create step\n" + BEGIN.encode() + b"\n0, A, 5") == []
    got = frames.feed(b", 1, 2\n" + f"{END} 0\n{BEGIN}\nboom\n{END} 127\n".encode())
    assert [(frame.text, frame.status) for frame in got] == [("0, A, 5, 1, 2", 0), ("boom", 127)]
    assert frames.stray == ["srun: error: Unable to create step"]
