"""Review finding (s6-review): `sbatch -o missing_dir/%j.out` fails at once with FAILED 0:53
(slurmd: "Could not open stdout file .../missing_dir/13477.out: No such file or directory",
the batch step "died by signal: 53"). The post-mortem advises "Exited non-zero: open its
log; set -euo pipefail ..." (there is no log, and the script never ran), and `l` says the
file "does not exist (removed, or never written)". This is the most common first-day
failure on a cluster; the advice should name the missing log directory."""

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
