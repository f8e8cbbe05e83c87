"""A job accounting shows with Timelimit "Partition_Limit" had no limit of its own: the
post-mortem says "partition", never "∞" (which is what UNLIMITED reads)."""

from __future__ import annotations

from pathlib import Path

from hpctui.cmd.postmortem import _as_text
from hpctui.services.postmortem import PostMortemRow
from hpctui.slurm.parse import parse_sacct

SACCT = Path(__file__).parent.parent / "fixtures" / "slurm" / "sacct.txt"


def test_a_partition_limit_reads_partition_and_a_limit_reads_its_duration() -> None:
    records = {r.job_id: r for r in parse_sacct(SACCT.read_text(), "alpha")}
    text = _as_text("alpha", [PostMortemRow(records["1023"], "sacct"), PostMortemRow(records["1020"], "sacct")], False)
    limits = {line.split()[0]: line.split()[4] for line in text.splitlines()[2:4]}
    assert limits == {"1023": "partition", "1020": "2:00"}
