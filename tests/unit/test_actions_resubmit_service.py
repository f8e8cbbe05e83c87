"""Resubmit and job actions against a scripted runner: when accounting may stand in for the
controller, what the commands keep (export NONE, arguments), and outcomes that survive a
local record that cannot be written."""

from __future__ import annotations

import asyncio
import posixpath
import shlex
from pathlib import Path

import pytest

from hpctui.config.model import Cluster, SshTarget
from hpctui.errors import UserError
from hpctui.services.actions import Actions, plan_action
from hpctui.services.audit import AuditLog
from hpctui.services.resubmit import ResubmitChoice, ResubmitHistory, Resubmitter
from hpctui.ssh.types import CommandTimeout, Result

D = "\x1f"
SCRIPT = (
    '#!/bin/bash\n#SBATCH --export=NONE\nSTART_STAGE="${START_STAGE:-0}"\n'
    'for STAGE in 0 1 2; do\n  [ "$STAGE" -lt "$START_STAGE" ] && continue\ndone\n'
)
SHOWN = (
    "JobId=77 JobName=train.sh\n   Account=proj_1 QOS=normal\n   TimeLimit=01:00:00\n   Partition=gpu\n"
    "   NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1\n   TresPerNode=gres:gpu:4\n   MinMemoryNode=1G\n"
    "   Command=/w/train.sh --lr 0.1\n   WorkDir=/w\n   StdOut=/w/slurm-77.out\n   StdErr=/w/slurm-77.out\n"
)
ACCOUNTING = D.join(["train.sh", "gpu", "01:00:00", "/w", "FAILED", "1", "1", "1G", "cpu=1,gres/gpu=4,mem=1G,node=1",
                     "proj_1", "normal", "", "", "sbatch --gres gpu:4 -A proj_1 train.sh --lr 0.1"])  # fmt: skip


class Probe:
    """The script probe's answer: the number of the candidate that is /w/train.sh."""


PROBE = Probe()


class Scripted:
    """Answers by the command's first distinctive word; records what ran."""

    def __init__(self, answers: dict[str, list[Result | Exception | Probe]]) -> None:
        self.answers = answers
        self.ran: list[str] = []

    async def run(self, command: str, *, timeout: float | None = None, input: str | None = None) -> Result:
        self.ran.append(command)
        for key, queue in self.answers.items():
            if key in command:
                answer = queue.pop(0) if len(queue) > 1 else queue[0]
                if isinstance(answer, Exception):
                    raise answer
                if isinstance(answer, Probe):
                    paths = shlex.split(command)[4:]
                    number = paths.index("/w/train.sh") + 1 if "/w/train.sh" in paths else 0
                    return Result(command, 0 if number else 1, f"{number}\n{SCRIPT}" if number else "", "")
                return Result(command, answer.exit_status, answer.stdout, answer.stderr)
        return Result(command, 1, "", "")


def ok(stdout: str) -> Result:
    return Result("", 0, stdout, "")


def refused(stderr: str) -> Result:
    return Result("", 1, "", stderr)


def answers(shown: list[Result | Exception]) -> dict[str, list[Result | Exception | Probe]]:
    return {
        "show job": shown,
        "write batch_script": [ok(SCRIPT)],
        "sacct --allocations": [ok(ACCOUNTING + "\n")],
        "sacct --batch-script": [ok("Batch Script for 77\n----\nNONE\n")],
        "exec cat": [PROBE],
        "sbatch": [ok("78\n")],
    }


def resubmitter(
    runner: Scripted, tmp_path: Path, audit: Path | None = None, history: Path | None = None
) -> Resubmitter:
    cluster = Cluster(name="c", ssh=SshTarget(host="c.example"))
    actions = Actions(runner, "c", AuditLog(audit or tmp_path / "audit.log"))
    return Resubmitter(runner, cluster, actions, ResubmitHistory(history or tmp_path / "h.jsonl"))


def test_timeout_is_retried_once_and_never_falls_back_to_accounting(tmp_path: Path) -> None:
    runner = Scripted(
        answers(
            [
                CommandTimeout("scontrol timed out"),
                refused("slurm_load_jobs error: Socket timed out on send/recv operation"),
            ]
        )
    )
    with pytest.raises(UserError, match="Socket timed out") as caught:
        asyncio.run(resubmitter(runner, tmp_path).prepare("77"))
    assert "not rebuilding the job from accounting" in str(caught.value)
    assert sum("show job" in c for c in runner.ran) == 2


def test_a_socket_error_then_an_answer_uses_the_controller(tmp_path: Path) -> None:
    runner = Scripted(answers([refused("slurm_load_jobs error: Socket timed out on send/recv operation"), ok(SHOWN)]))
    draft = asyncio.run(resubmitter(runner, tmp_path).prepare("77"))
    assert not any("no longer knows" in note for note in draft.notes)
    command = resubmitter(runner, tmp_path).commands(draft, ResubmitChoice(stage=2))[-1]
    assert "--gres=gpu:4" in command and "--account=proj_1" in command and command.endswith("/w/train.sh --lr 0.1")


def test_unknown_job_is_rebuilt_from_accounting_with_gres_account_and_arguments(tmp_path: Path) -> None:
    runner = Scripted(answers([refused("slurm_load_jobs error: Invalid job id specified")]))
    draft = asyncio.run(resubmitter(runner, tmp_path).prepare("77"))
    assert any("no longer knows" in note for note in draft.notes)
    assert draft.script_path == "/w/train.sh" and draft.script_args == ["--lr", "0.1"]
    command = resubmitter(runner, tmp_path).commands(draft, ResubmitChoice())[-1]
    assert "--gres=gpu:4" in command and "--account=proj_1" in command and command.endswith("/w/train.sh --lr 0.1")


def test_stage_keeps_the_scripts_export_none(tmp_path: Path) -> None:
    runner = Scripted(answers([ok(SHOWN)]))
    submitter = resubmitter(runner, tmp_path)
    draft = asyncio.run(submitter.prepare("77"))
    command = submitter.commands(draft, ResubmitChoice(stage=1))[-1]
    words = shlex.split(command)
    assert "START_STAGE=1" in words and "--export=START_STAGE" in words and "--export=ALL" not in words
    plain = shlex.split(submitter.commands(draft, ResubmitChoice())[-1])
    assert not any(w.startswith("--export") for w in plain)  # the script's own NONE applies


def test_new_job_id_survives_unwritable_history_and_audit(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("")  # a directory that cannot be made, even as root
    runner = Scripted(answers([ok(SHOWN)]))
    submitter = resubmitter(runner, tmp_path, audit=Path("/dev/full"), history=not_a_dir / "h.jsonl")
    draft = asyncio.run(submitter.prepare("77"))
    submitted = asyncio.run(submitter.submit(draft, ResubmitChoice()))
    assert submitted.new_job_id == "78"
    assert any("audit log not written" in w for w in submitted.warnings)
    assert any("history not written" in w and "77 -> 78" in w for w in submitted.warnings)


def test_cancel_outcomes_survive_a_full_disk() -> None:
    runner = Scripted({"scancel": [Result("", 0, "scancel: Terminating job 5\n", "")]})
    outcomes = asyncio.run(Actions(runner, "c", AuditLog("/dev/full")).execute(plan_action("cancel", ["5", "6"])))
    assert [o.ok for o in outcomes] == [True, True]
    assert all(o.warning and "audit log not written" in o.warning for o in outcomes)


def test_script_gone_keeps_arguments_and_copies_on_the_cluster(tmp_path: Path) -> None:
    scripted = {**answers([ok(SHOWN)]), "exec cat": [Result("", 1, "", "")]}
    runner = Scripted(scripted)
    submitter = resubmitter(runner, tmp_path)
    draft = asyncio.run(submitter.prepare("77"))
    assert draft.script_path is None and draft.script_args == ["--lr", "0.1"]
    copy, sbatch = submitter.commands(draft, ResubmitChoice())
    assert "scontrol write batch_script 77 /w/.hpctui/resubmit-77.sbatch" in copy and draft.copy_input is None
    assert sbatch.endswith("/w/.hpctui/resubmit-77.sbatch --lr 0.1")


def test_unreadable_history_links_nothing(tmp_path: Path) -> None:
    history = ResubmitHistory(tmp_path)  # a directory: reading it fails
    assert history.lookup("c", "77") is None and history.origin("c", "78") is None


class FromHome(Scripted):
    """The script probe runs in the login directory /home/u: a relative path is found only
    when it was made absolute (here: /w/train.sh exists)."""

    async def run(self, command: str, *, timeout: float | None = None, input: str | None = None) -> Result:
        if "exec cat" not in command:
            return await super().run(command, timeout=timeout, input=input)
        self.ran.append(command)
        paths = shlex.split(command)[4:]
        found = [n for n, p in enumerate(paths, 1) if posixpath.normpath(posixpath.join("/home/u", p)) == "/w/train.sh"]
        return Result(command, 0, f"{found[0]}\n{SCRIPT}", "") if found else Result(command, 1, "", "")


def test_a_relative_command_is_found_from_the_jobs_workdir(tmp_path: Path) -> None:
    """`sbatch ../w/train.sh` keeps Command=../w/train.sh, relative to the submit directory:
    looked for from the job's WorkDir, not the login directory (where it "no longer exists")."""
    relative = SHOWN.replace("Command=/w/train.sh --lr 0.1", "Command=../w/train.sh --lr 0.1")
    runner = FromHome(answers([ok(relative)]))
    draft = asyncio.run(resubmitter(runner, tmp_path).prepare("77"))
    assert not any("no longer exists" in note for note in draft.notes), draft.notes
    assert draft.script_path is not None
    assert draft.script_args == ["--lr", "0.1"]
