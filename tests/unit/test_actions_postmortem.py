"""Post-mortem merging and advice (pure)."""

from __future__ import annotations

from hpctui.services.postmortem import ADVICE, PostMortemRow, merge, tally
from hpctui.slurm.models import AccountingRecord, AccountingStep, Job, Snapshot
from hpctui.slurm.parse import parse_sacct
from hpctui.slurm.units import slurm_size

D = "\x1f"
SACCT = "\n".join(
    D.join((*fields, "", "", "", "", "", ""))  # the efficiency fields left empty
    for fields in (
        (
            "1001",
            "train",
            "gpu",
            "01:00:27",
            "01:00:00",
            "",
            "",
            "TIMEOUT",
            "0:0",
            "2024-05-01T10:00:00",
            "2024-05-01T11:00:27",
            "/w",
        ),
        ("1001.batch", "batch", "", "01:00:28", "", "1048576K", "2G", "CANCELLED", "0:15", "", "", ""),
        ("1001.0", "python", "", "01:00:20", "", "3G", "4G", "CANCELLED", "0:15", "", "", ""),
        ("1002", "prep", "cpu", "00:00:03", "00:10:00", "", "", "CANCELLED by 1000", "0:0", "", "", "/w"),
    )
)


def job(job_id: str, state: str) -> Job:
    return Job(
        job_id,
        None,
        None,
        "new",
        "u",
        "gpu",
        state,
        "None",
        0,
        600,
        1,
        "",
        0,
        "",
        None,
        None,
        None,
        None,
        "/w",
        "alpha",
    )


def test_merge_adds_only_jobs_accounting_lacks() -> None:
    records = parse_sacct(SACCT, "alpha")
    snapshot = Snapshot("alpha", jobs=(job("1001", "TIMEOUT"), job("1003", "PENDING")))
    rows = merge(records, snapshot)
    assert [(r.job_id, r.source) for r in rows] == [("1001", "sacct"), ("1002", "sacct"), ("1003", "squeue")]
    assert rows[2].record.state == "PENDING" and rows[2].advice is None
    assert merge(records, None) == rows[:2]


def test_merge_adds_no_task_of_an_array_accounting_shows_pending_in_one_row() -> None:
    pending = AccountingRecord("1004_[1-3]", "a", "gpu", 0, 600, "PENDING", "PENDING", "0:0", None, None, "/w")
    tasks = tuple(job(f"1004_{t}", "PENDING")._replace(array_job_id="1004", array_task_id=t) for t in "123")
    rows = merge([pending], Snapshot("alpha", jobs=(*tasks, job("1005", "PENDING"))))
    assert [(r.job_id, r.source) for r in rows] == [("1004_[1-3]", "sacct"), ("1005", "squeue")]


def test_advice_and_memory_from_the_batch_step() -> None:
    timeout, cancelled = (PostMortemRow(r, "sacct") for r in parse_sacct(SACCT, "alpha"))
    assert timeout.advice == ADVICE["TIMEOUT"] and "1.5x" in timeout.advice
    assert cancelled.record.state == "CANCELLED" and cancelled.advice == ADVICE["CANCELLED"]
    assert timeout.max_rss_bytes == 1 << 30  # the .batch step, not the larger .0 step
    assert timeout.record.max_rss_bytes == 3 << 30
    no_batch = AccountingRecord("7", "x", "p", 1, 1, "FAILED", "FAILED", "1:0", None, None, None,
                                steps=(AccountingStep("7.0", "s", 1, 5 << 20, None, "FAILED", "1:0"),))  # fmt: skip
    assert PostMortemRow(no_batch, "sacct").max_rss_bytes == 5 << 20


def test_slurm_size() -> None:
    assert [slurm_size(v) for v in (None, 512, 2048, 150 << 20, 3 << 29, 5 << 40)] == [
        "",
        "512B",
        "2.0K",
        "150M",
        "1.5G",
        "5.0T",
    ]


def test_tally_says_one_job_in_the_singular() -> None:
    timeout, cancelled = (PostMortemRow(r, "sacct") for r in parse_sacct(SACCT, "alpha"))
    assert tally([cancelled]) == "1 job: 0 failed, 1 cancelled"
    assert tally([timeout, cancelled]) == "2 jobs: 1 failed, 1 cancelled"
