"""Why a job waits (pure): reason codes in plain words with what to do, and sprio/sshare output
captured in the lab (multifactor priority, and sprio refusing under basic priority)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpctui.errors import UserError
from hpctui.slurm.errors import SlurmError
from hpctui.slurm.models import PollSection
from hpctui.slurm.parse import split_poll
from hpctui.slurm.priority import priority_command, priority_report, rank_in_partition
from hpctui.slurm.reasons import explain

FIXTURES = Path(__file__).parents[1] / "fixtures" / "slurm"

# Every code the brief names, and the kind of answer each must get.
CODES = {
    "Resources": "wait", "Priority": "wait", "Dependency": "wait", "DependencyNeverSatisfied": "fix",
    "QOSMaxGRESPerUser": "limit", "AssocGrpGRES": "limit", "AssocGrpBillingMinutes": "limit",
    "AssocGrpCPUMinutesLimit": "limit", "ReqNodeNotAvail": "wait", "PartitionTimeLimit": "fix",
    "BeginTime": "wait", "JobHeldUser": "hold", "JobHeldAdmin": "hold", "QOSMaxJobsPerUserLimit": "limit",
    "launch failed requeued held": "hold",
}  # fmt: skip


@pytest.mark.parametrize(("code", "kind"), CODES.items())
def test_each_named_reason_has_words_and_a_kind(code, kind):
    reason = explain(code, "123")
    assert (reason.code, reason.kind) == (code, kind)
    assert reason.words and not reason.words.startswith("Slurm says")


def test_advice_names_the_job_and_details_after_a_comma_are_kept():
    assert explain("JobHeldUser", "4242").action == "U releases it (scontrol release 4242)"
    nodes = explain("ReqNodeNotAvail, UnavailableNodes:a[1-2]")
    assert nodes.code == "ReqNodeNotAvail, UnavailableNodes:a[1-2]" and "UnavailableNodes:a[1-2]" in nodes.words


def test_limit_families_are_read_from_their_parts():
    assert (
        explain("AssocGrpGRESMinutes").words
        == "your association (account and user) has used up its GPUs (GRES) minutes (its allocation)"
    )
    cpu = explain("QOSMaxCpuPerJobLimit")  # Slurm spells it Cpu here, CPU in AssocGrpCPUMinutesLimit
    assert cpu.kind == "fix" and "CPUs per job" in cpu.words
    assert explain("QOSMinGRES").kind == "fix" and explain("AssocMaxJobsLimitXyz").kind == "limit"
    per_job = explain("QOSMaxNodePerJobLimit")
    assert per_job.kind == "fix" and "nodes per job" in per_job.words
    running = explain("AssocGrpCPURunMinutesLimit")
    assert running.kind == "limit" and "running jobs" in running.words
    assert explain("SomethingNew").words == "Slurm says 'SomethingNew'"


def test_priority_factors_rank_and_fairshare_from_the_lab():
    report = priority_report("16013", split_poll((FIXTURES / "priority.txt").read_text()))
    assert (report.basic, report.priority, report.rank, report.pending) == (False, 3021, 1, 3)
    assert dict(report.factors)["fairshare"] == 2000 and dict(report.factors)["partition"] == 1000
    assert report.fairshare is not None and (report.fairshare.account, report.fairshare.user) == ("lab", "hpcuser")
    assert report.fairshare.fairshare == 0.2
    assert report.summary().startswith(
        "Priority 3021 (age 1, fairshare 2000, jobsize 21, partition 1000) · number 1 of 3"
    )


def test_a_job_sprio_does_not_list_and_the_rank_of_ties():
    sections = split_poll((FIXTURES / "priority.txt").read_text())
    assert priority_report("16016", sections).priority is None  # held: not in sprio
    assert rank_in_partition(sections["sprio_partition"].stdout, "16014") == (2, 3)  # same priority, later id


def test_basic_priority_is_said_honestly():
    report = priority_report("16013", split_poll((FIXTURES / "priority_basic.txt").read_text()))
    assert report.basic and report.summary().startswith("This site uses basic priority")


def test_a_failing_sprio_is_a_slurm_error():
    failed = PollSection("sprio_job", "", "sprio: error: Unable to contact slurm controller (connect failure)", 1)
    with pytest.raises(SlurmError):
        priority_report("1", {"sprio_job": failed})


def test_priority_command_quotes_and_validates():
    import shlex

    script = shlex.split(priority_command("12", "gpu", "some user"))[-1]  # sh -c SCRIPT
    assert "--user='some user'" in script and "--jobs=12" in script and "--partition=gpu" in script
    with pytest.raises(UserError, match="not a single job id"):
        priority_command("12;rm", "gpu", None)
