"""A forgotten job's log path rebuilt from accounting: Slurm's filename patterns."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hpctui.services.jobinfo import JobDetails, log_files
from hpctui.slurm.accounting import accounting_job_command
from hpctui.slurm.formats import DELIMITER
from hpctui.slurm.logpaths import (
    LOG_FIELDS,
    LogRecord,
    default_output,
    expand_log_pattern,
    log_record_command,
    parse_log_record,
)
from hpctui.slurm.models import Job
from hpctui.slurm.parse import parse_scontrol_job
from hpctui.ssh.types import Result

FIXTURES = Path(__file__).parent.parent / "fixtures" / "slurm"
JOB = LogRecord("123", "123", "train", "hpcuser", "/w/run", "COMPLETED", True, "a1", "sbatch job.sh")
TASK = LogRecord("120_4", "127", "sweep", "hpcuser", "/w", "FAILED", True, "b2", "sbatch --array=1-8 s.sh")


@pytest.mark.parametrize(
    ("pattern", "record", "path"),
    [
        ("logs/%x_%j.out", JOB, "/w/run/logs/train_123.out"),
        ("/scratch/%u/%x-%A_%a.log", TASK, "/scratch/hpcuser/sweep-120_4.log"),
        ("out_%j_%N.txt", TASK, "/w/out_127_b2.txt"),
        ("%5j_%3a.out", TASK, "/w/00127_004.out"),
        ("100%%_%j", JOB, "/w/run/100%_123"),
        ("./../logs//%x.out", JOB, "/w/logs/train.out"),
        ("lit\\%j.out", JOB, "/w/run/lit%j.out"),  # a backslash: no expansion at all, as in Slurm
        ("%A_%a.out", JOB, "/w/run/123_4294967294.out"),  # not an array task: NO_VAL
    ],
)
def test_patterns_expand_as_slurmd_does(pattern: str, record: LogRecord, path: str) -> None:
    assert expand_log_pattern(pattern, record) == path


def test_the_default_of_a_job_and_of_an_array_task() -> None:
    assert expand_log_pattern(default_output(JOB), JOB) == "/w/run/slurm-123.out"
    assert expand_log_pattern(default_output(TASK), TASK) == "/w/slurm-120_4.out"


def test_the_last_record_is_read_and_a_job_that_never_ran_says_so() -> None:
    def row(**values: str) -> str:
        return DELIMITER.join(values.get(name, "") for name in LOG_FIELDS)

    requeued = row(JobID="9", JobIDRaw="9", State="REQUEUED", NodeList="a[1-2]")
    last = row(JobID="9", JobIDRaw="9", State="CANCELLED by 1000", NodeList="None assigned",
               SubmitLine=f"sbatch --wrap 'echo {DELIMITER}'")  # fmt: skip
    record = parse_log_record(f"{requeued}\n{last}\n")
    assert record is not None and (record.state, record.started, record.node) == ("CANCELLED", False, "")
    assert record.submit_line == f"sbatch --wrap 'echo {DELIMITER}'"
    assert parse_log_record(requeued).node == "a1"
    assert parse_log_record("") is None


def test_a_record_without_its_work_dir_is_not_whole() -> None:
    ended_first = DELIMITER.join({"JobID": "9", "JobIDRaw": "9", "State": "COMPLETED"}.get(n, "") for n in LOG_FIELDS)
    record = parse_log_record(ended_first)
    assert record is not None and (record.state, record.whole) == ("COMPLETED", False)
    assert JOB.whole


def test_both_accounting_commands_ask_sacct_for_allocation_rows_alone() -> None:
    """The log paths and the resubmission read the same kind of sacct rows: one builder, these bytes."""
    sacct = (
        "env -u SLURM_CLUSTERS -u SLURM_BITSTR_LEN -u SACCT_FEDERATION -u SACCT_FORMAT -u SACCT_LOCAL "
        "SLURM_TIME_FORMAT=standard sacct --allocations --noheader --parsable2 --delimiter='\x1f' --format="
    )
    assert log_record_command("12_3") == f"{sacct}{','.join(LOG_FIELDS)} --jobs=12_3"
    assert accounting_job_command("77") == (
        f"{sacct}JobName,Partition,Timelimit,WorkDir,State,NNodes,ReqCPUS,ReqMem,ReqTRES,Account,QOS,"
        "Constraints,Reservation,SubmitLine --jobs=77"
    )


class NodeController:
    """Answers ``scontrol show node`` as the lab's controller does (every node's host name is
    vm), and keeps the commands it was asked."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    async def run(self, command: str, *, timeout: float | None = None, input: str | None = None) -> Result:
        self.commands.append(command)
        return Result(command, 0, (FIXTURES / "scontrol_node.txt").read_text(), "")


def scontrol_job(name: str) -> JobDetails:
    return JobDetails("alpha", "13462_2", parse_scontrol_job((FIXTURES / name).read_text()))


async def test_what_scontrol_leaves_in_a_path_is_expanded_as_slurmstepd_did() -> None:
    # Task 2 of array 13462 ran on a3 (host name vm) with -o "wd_%7j_%J_%4a_%%N_%N.out" and
    # -e "wd_%6A_%%_x.err"; scontrol printed both as they were; slurmstepd wrote these files.
    controller = NodeController()
    stdout, stderr = await log_files(controller, scontrol_job("scontrol_job_widths.txt"))
    assert (stdout, stderr) == ("/tmp/wd_0013462_13462_0002_%N_vm.out", "/tmp/wd_013462_%_x.err")
    assert len(controller.commands) == 1 and "show node a3" in controller.commands[0]


async def test_a_path_without_n_asks_nothing_and_a_pending_job_keeps_its_paths() -> None:
    controller = NodeController()
    details = scontrol_job("scontrol_job_widths.txt")
    fields = {**details.fields, "StdOut": "/tmp/o_%%_%7j.out", "StdErr": "/tmp/e.err"}
    assert await log_files(controller, replace(details, fields=fields)) == ("/tmp/o_%_0013462.out", "/tmp/e.err")
    pending = {**fields, "BatchHost": "(null)", "NodeList": "(null)", "StdOut": "/tmp/o_%N.out"}
    assert await log_files(controller, replace(details, fields=pending)) == ("/tmp/o_%N.out", "/tmp/e.err")
    assert controller.commands == []


async def test_squeues_pattern_is_expanded_once_with_the_batch_hosts_name() -> None:
    # Given the job as squeue listed it, its raw pattern is expanded in one pass, as
    # slurmstepd does: a "%x" the job's name holds stays; %N is the host name (vm), asked once.
    controller = NodeController()
    job = Job(
        job_id="13462_2", array_job_id="13462", array_task_id="2", name="a%xb", user="hpcuser",
        partition="cpu", state="RUNNING", reason="None", time_used_s=1, time_limit_s=60,
        num_nodes=1, nodelist="a3", gpus=0, tres="", submit_time=None, start_time=None,
        stdout_pattern="/w/%x_%4a_%N.out", stderr_pattern="/w/%x.err", work_dir="/w", unique_id="13463",
    )  # fmt: skip
    paths = await log_files(controller, scontrol_job("scontrol_job_widths.txt"), job)
    assert paths == ("/w/a%xb_0002_vm.out", "/w/a%xb.err")
    assert len(controller.commands) == 1 and "show node a3" in controller.commands[0]
