"""Reading a job's checkpoint over a real ClusterLink (in-process SSH server running /bin/sh)."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from pathlib import Path

import pytest
from tail_helpers import link, served, server  # noqa: F401 (fixtures)

from hpctui.services.checkpoint import (
    CHECKPOINT_PATH,
    CheckpointInfo,
    checkpoint_command,
    parse_checkpoint_output,
    read_checkpoint,
)


def printing(text: str) -> str:
    """A checkpoint_cmd printing ``text`` the way the default one-liner does."""
    return f"printf '%s\\n' '{text}'"


async def test_custom_command_runs_in_the_work_dir(link, server, tmp_path: Path):
    work = tmp_path / "run dir"
    (work / "outputs").mkdir(parents=True)
    cluster = replace(server.cluster(), checkpoint_cmd="ls outputs; " + printing("Epoch 7, Loss 0.231, Metric 0.88"))
    (work / "outputs" / "latest.pt").write_bytes(b"")
    info = await read_checkpoint(link, cluster, str(work))
    assert isinstance(info, CheckpointInfo)
    assert (info.epoch, info.best_loss, info.best_metric) == ("7", "0.231", "0.88")
    assert info.output.startswith("latest.pt") and info.summary() == "epoch 7, best loss 0.231, best metric 0.88"


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed here")
async def test_default_command_without_torch_says_so(link, server, tmp_path: Path):
    answer = await read_checkpoint(link, server.cluster(), str(tmp_path))
    assert answer == "torch is not importable by python3 on the login node: load its module or venv in checkpoint_cmd"


async def test_missing_checkpoint_and_missing_work_dir(link, server, tmp_path: Path):
    cluster = replace(server.cluster(), checkpoint_cmd=f"cat {CHECKPOINT_PATH}")
    assert await read_checkpoint(link, cluster, str(tmp_path)) == f"no checkpoint {CHECKPOINT_PATH} in {tmp_path}"
    gone = str(tmp_path / "gone")
    assert await read_checkpoint(link, cluster, gone) == f"work dir {gone} is not accessible"
    assert await read_checkpoint(link, cluster, None) == "the job has no WorkDir"


async def test_slow_command_times_out(link, server, tmp_path: Path):
    cluster = replace(server.cluster(), checkpoint_cmd="sleep 5")
    assert (
        await read_checkpoint(link, cluster, str(tmp_path), timeout=0.5)
        == "reading the checkpoint took longer than 0.5 s"
    )


async def test_silent_or_free_form_output(link, server, tmp_path: Path):
    silent = replace(server.cluster(), checkpoint_cmd="true")
    assert await read_checkpoint(link, silent, str(tmp_path)) == "the checkpoint command printed nothing"
    free = replace(server.cluster(), checkpoint_cmd=printing("step 9000 of run abc"))
    info = await read_checkpoint(link, free, str(tmp_path))
    assert info.summary() == "step 9000 of run abc" and info.epoch is None


def test_unknown_fields_print_as_question_marks():
    info = parse_checkpoint_output("Epoch 3, Loss ?, Metric None\n")
    assert (info.epoch, info.best_loss, info.best_metric) == ("3", None, None)
    assert info.summary() == "epoch 3, best loss ?, best metric ?"


def test_command_quotes_the_work_dir():
    assert checkpoint_command("/p/a b'c", "true") == "cd '/p/a b'\"'\"'c' && true"
