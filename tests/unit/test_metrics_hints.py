"""Error-line classification: the specific rule wins over the generic one, with the field-notes hint."""

from __future__ import annotations

import pytest

from hpctui.services.loghints import RULES, classify_line
from hpctui.services.metrics import MetricParser

CASES = [
    ("torch.OutOfMemoryError: HIP out of memory. Tried to allocate 2.00 GiB", "hip_oom", "PYTORCH_HIP_ALLOC_CONF"),
    ("RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB", "cuda_oom", "smaller batch"),
    ("RuntimeError: No HIP GPUs are available", "no_hip_gpus", "-B /opt/cray/libfabric"),
    ("RuntimeError: Found no NVIDIA driver on your system.", "no_cuda", "pip-installed PyTorch"),
    ("torch.distributed.DistBackendError: NCCL error in: ProcessGroupNCCL.cpp:1970", "nccl", "rank"),
    ("slurmstepd: error: Detected 1 oom_kill event in StepId=77.batch.", "host_oom", "--mem"),
    ("/var/spool/slurmd/job00077/slurm_script: line 9: 4242 Killed python train.py", "host_oom", "--mem"),
    (
        "slurmstepd: error: *** JOB 77 ON n1 CANCELLED AT 2024-05-01T10:00:00 DUE TO TIME LIMIT ***",
        "time_limit",
        "--time",
    ),
    ("wandb: Network error (ConnectionError), entering retry loop.", "wandb", "WANDB_MODE=disabled"),
    ("UserWarning: GradScaler is enabled with bfloat16 autocast", "gradscaler_bf16", "float16 only"),
    ("step 120: loss is nan", "nan", "learning rate"),
    ("ModuleNotFoundError: No module named 'mypkg.data'", "import", "--exclude '/data'"),
    ("Traceback (most recent call last):", "traceback", "last line"),
    ("Segmentation fault (core dumped)", "segfault", ""),
    ("ValueError: shapes do not match", "error", ""),
    ("sbatch: error: Batch job submission failed", "error", ""),
]


@pytest.mark.parametrize(("line", "kind", "hint_part"), CASES)
def test_error_lines_get_their_kind_and_hint(line, kind, hint_part):
    hit = classify_line(line, 7)
    assert hit is not None and (hit.kind, hit.line, hit.text) == (kind, 7, line)
    assert hint_part in hit.hint


@pytest.mark.parametrize(
    "line",
    ["epoch 3 loss=0.12", "INFO: no errors so far", "the error rate is 0.1", "nanoseconds: 12", "Skilled workers", ""],
)
def test_ordinary_lines_are_not_errors(line):
    assert classify_line(line) is None


def test_every_rule_is_reachable():
    assert {kind for _, kind, _ in CASES} == {kind for kind, *_ in RULES}


def test_parser_collects_error_hits_with_absolute_line_numbers():
    parser = MetricParser()
    hits = parser.feed(["fine", "Traceback (most recent call last):", "RuntimeError: HIP out of memory"], 100, 0.0)
    assert [(h.kind, h.line) for h in hits] == [("traceback", 101), ("hip_oom", 102)]
    assert list(parser.errors) == hits
