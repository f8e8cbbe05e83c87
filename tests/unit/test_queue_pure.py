"""Pure parts of the queue table: array task spans and counts, column layout, the status
line's fitting, how a job ended, uid names."""

from __future__ import annotations

from collections import Counter

import pytest

from hpctui.services.postmortem import outcome_text, parse_passwd, user_names_command
from hpctui.slurm.models import AccountingRecord, Job
from hpctui.ui.columns import JOB_COLUMNS, layout, where
from hpctui.ui.queue_model import state_counts, task_span
from hpctui.ui.widgets.status_line import KEEP, fit_groups


def test_task_spans_of_single_tasks_and_pending_rests() -> None:
    assert task_span("4") == (4, 4, 1)
    assert task_span("[5-64]") == (5, 64, 60)
    assert task_span("[1,3,5-7%2]") == (1, 7, 5)


def test_state_counts_list_running_first_and_ended_last() -> None:
    counts = Counter({"COMPLETED": 10, "PENDING": 40, "FAILED": 2, "RUNNING": 12})
    assert state_counts(counts) == "12 R · 40 PD · 2 F · 10 CD"


def test_layout_hides_drops_in_order_and_caps_the_flex_column() -> None:
    keys = [c.key for c in JOB_COLUMNS]
    measured = [7, 9, 14, 10, 20, 7, 0, 19, 14]  # GPUs: no values
    wide = layout(JOB_COLUMNS, measured, 238)
    assert wide[keys.index("gpus")] == 0 and wide[keys.index("where")] == 40
    narrow = dict(zip(keys, layout(JOB_COLUMNS, measured, 78), strict=True))
    assert narrow["start"] == narrow["nodes"] == 0
    assert narrow["job_id"] == 7 and narrow["name"] == 14 and narrow["state"] == 10
    assert sum(w + 1 for w in narrow.values() if w) <= 78


def test_the_status_line_drops_what_matters_least_then_cuts() -> None:
    groups = [["alpha"], ["every 15 s"], ["3 running"]]
    assert fit_groups(groups, [KEEP, 1, 6], 0).plain == "alpha  ·  every 15 s  ·  3 running"
    assert fit_groups(groups, [KEEP, 1, 6], 20).plain == "alpha  ·  3 running"
    assert fit_groups([["a" * 30]], [KEEP], 10).cell_length == 10


def record(state: str, exit_code: str) -> AccountingRecord:
    return AccountingRecord("7", "x", "gpu", 1, 60, state, state, exit_code, None, None, None)


@pytest.mark.parametrize(
    ("state", "code", "shown"),
    [("FAILED", "1:0", "FAILED 1:0"), ("COMPLETED", "0:0", "COMPLETED"), ("CANCELLED", "0:15", "CANCELLED")],
)
def test_outcome_shows_the_exit_code_where_it_tells_something(state: str, code: str, shown: str) -> None:
    assert outcome_text(record(state, code)) == shown


def test_uid_names_from_getent_and_only_digits_asked() -> None:
    assert user_names_command(["1001", "0"]) == "getent passwd 1001 0"
    with pytest.raises(ValueError):
        user_names_command(["1001; rm -rf ~"])
    assert parse_passwd("hpcuser:x:1001:1001::/home/hpcuser:/bin/bash\nbad\n") == {"1001": "hpcuser"}


def test_advice_heads_are_short_enough_for_a_cell() -> None:
    from hpctui.services.postmortem import ADVICE, advice_head

    assert advice_head(ADVICE["CANCELLED"]) == "Cancelled"
    assert advice_head(ADVICE["TIMEOUT"]) == "Hit its time limit"
    assert all(len(advice_head(text)) <= 30 for text in ADVICE.values())


def test_where_never_shows_slurms_none_for_a_job_without_nodes_yet() -> None:
    blank = dict.fromkeys(Job._fields)
    base = Job(**{**blank, "job_id": "7", "state": "RUNNING", "reason": "None", "nodelist": ""})
    assert where(base) == ""
    assert where(base._replace(nodelist="a[1-2]")) == "a[1-2]"
    assert where(base._replace(state="PENDING", reason="Priority")) == "Priority"
    assert where(base._replace(state="PENDING")) == ""  # just submitted: the scheduler has not looked yet
    assert where(base._replace(state="COMPLETING", reason="NodeFail")) == "NodeFail"
