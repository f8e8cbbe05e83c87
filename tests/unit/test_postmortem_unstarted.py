"""A job whose log file Slurm could not create (`sbatch -o missing_dir/%j.out`) ends FAILED 0:53
before its script runs: the post-mortem names the missing directory instead of "open its log"
(found by a hostile review; the lab test checks the exit code on real Slurm)."""

from __future__ import annotations

from hpctui.services.postmortem import PostMortemRow
from hpctui.slurm.models import AccountingRecord


def test_a_job_whose_log_could_not_be_opened_is_told_so() -> None:
    record = AccountingRecord(
        job_id="13477", name="nodir", partition="cpu", elapsed_s=0, time_limit_s=172800, state="FAILED",
        state_detail="FAILED", exit_code="0:53", start=None, end=None, work_dir="/home/hpcuser/project/w16a",
    )  # fmt: skip
    advice = PostMortemRow(record, "sacct").advice or ""
    assert "open its log" not in advice, advice
    assert "director" in advice, advice  # e.g. "the --output/--error directory does not exist"
