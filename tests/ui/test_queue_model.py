"""The rows a job table shows: sort, filter, and the recently finished group."""

from __future__ import annotations

from ui_fakes import alpha_jobs, beta_jobs, job, pending

from hpctui.ui.columns import JOB_COLUMNS, OVERVIEW_COLUMNS, job_id_key, state_text
from hpctui.ui.queue_model import QueueModel


def ids(model: QueueModel) -> list[str]:
    return [row.job.job_id for row in model.rows]


ROWS = len(alpha_jobs()) - 2  # the array 1003's three rows (1003_1, 1003_2, 1003_[3-8]) are one


def test_job_ids_sort_numerically_with_array_tasks_before_the_pending_rest() -> None:
    order = sorted(["1010", "999", "1003_[3-8]", "1003_10", "1003_2", "1003"], key=job_id_key)
    assert order == ["999", "1003", "1003_2", "1003_10", "1003_[3-8]", "1010"]


def test_default_order_is_by_job_id_and_o_cycles_columns() -> None:
    model = QueueModel(JOB_COLUMNS)
    model.update({"alpha": tuple(reversed(alpha_jobs()))}, now=0)
    assert ids(model)[:3] == ["1001", "1002", "1003"]  # the array 1003 is one row
    model.cycle_sort()  # partition: "cpu" first
    assert model.sort_column.key == "partition"
    assert ids(model)[0] == "1006"
    model.reverse_sort()
    assert ids(model)[-1] == "1006"


def test_filter_matches_any_column_case_insensitively() -> None:
    model = QueueModel(JOB_COLUMNS)
    model.update({"alpha": alpha_jobs()}, now=0)
    model.set_filter("JOBHELD")  # the reason column
    assert ids(model) == ["1004"]
    model.set_filter("a[1-2]")  # the node list
    assert ids(model) == ["1002"]
    model.set_filter("")
    assert len(model.rows) == ROWS


def test_vanished_jobs_go_to_the_finished_group_at_the_bottom_then_expire() -> None:
    model = QueueModel(JOB_COLUMNS, keep_finished_s=600)
    model.update({"alpha": alpha_jobs()}, now=0)
    gone = [j for j in alpha_jobs() if j.job_id not in ("1001", "1002")]
    model.update({"alpha": gone}, now=10)
    assert model.n_finished == 2
    assert ids(model)[-2:] in (["1001", "1002"], ["1002", "1001"])
    assert all(row.finished_at == 10 for row in model.rows[-2:])
    model.update({"alpha": gone}, now=500)
    assert model.n_finished == 2
    model.update({"alpha": gone}, now=611)
    assert model.n_finished == 0


def test_snapshots_taken_between_rebuilds_finish_jobs_as_last_seen_without_building_rows() -> None:
    """A hidden tab takes every snapshot (dict updates) and builds its rows once shown."""
    model = QueueModel(JOB_COLUMNS)
    model.update({"alpha": [job("7", time_used_s=16, nodelist="")]}, now=0)
    model.take("alpha", [job("7", time_used_s=31, nodelist="a2"), job("8")], now=15)
    model.take("alpha", [], now=30)
    assert ids(model) == ["7"] and model.n_finished == 0  # the rows wait for a rebuild
    model.rebuild()
    assert sorted(ids(model)) == ["7", "8"] and model.n_finished == 2
    seven = model.rows[model.index[("alpha", "7")]]
    assert (seven.job.time_used_s, seven.job.nodelist, seven.finished_at) == (31, "a2", 30)


def test_a_job_that_comes_back_leaves_the_finished_group() -> None:
    model = QueueModel(JOB_COLUMNS)
    first = job("7")
    model.update({"alpha": [first]}, now=0)
    model.update({"alpha": []}, now=1)
    assert model.n_finished == 1
    model.update({"alpha": [first._replace(state="PENDING")]}, now=2)
    assert model.n_finished == 0
    assert [r.job.state for r in model.rows] == ["PENDING"]


def test_the_pending_rest_of_an_array_shrinking_is_not_a_finished_job() -> None:
    model = QueueModel(JOB_COLUMNS)
    model.update({"alpha": [pending("50_[1-4]")]}, now=0)
    model.update({"alpha": [job("50_1"), pending("50_[2-4]")]}, now=1)
    assert model.n_finished == 0
    model.toggle_expanded(("alpha", "50"))
    assert ids(model) == ["50", "50_1", "50_[2-4]"]


def test_overview_keys_rows_by_cluster_and_counts_every_cluster() -> None:
    model = QueueModel(OVERVIEW_COLUMNS)
    model.update({"alpha": alpha_jobs(), "beta": beta_jobs()}, now=0)
    assert model.n_queued == len(alpha_jobs()) + len(beta_jobs())
    assert model.rows[0].key == ("alpha", "1001")
    assert model.index[("beta", "5002")] == ROWS + 1
    model.update({"beta": ()}, now=1)
    assert model.n_finished == len(beta_jobs())
    assert model.n_active == ROWS


def test_ended_jobs_squeue_still_lists_join_the_finished_group_with_their_final_state() -> None:
    model = QueueModel(JOB_COLUMNS)
    jobs = alpha_jobs()
    model.update({"alpha": jobs}, now=0)
    first = jobs[0]
    ended = first._replace(state="TIMEOUT")
    model.update({"alpha": (ended, *jobs[1:])}, now=5)
    assert model.n_active == ROWS - 1
    assert ids(model)[-1] == first.job_id
    assert model.rows[-1].job.state == "TIMEOUT" and model.rows[-1].finished_at == 5
    model.update({"alpha": jobs[1:]}, now=10)  # then it leaves squeue: it stays, unchanged
    assert model.rows[-1].job.state == "TIMEOUT" and model.rows[-1].finished_at == 5


def test_an_array_is_one_row_with_its_tasks_counted_by_state_finished_ones_included() -> None:
    model = QueueModel(JOB_COLUMNS)
    tasks = [job("60_1"), job("60_2"), pending("60_[3-10]")]
    model.update({"alpha": tasks}, now=0)
    model.update({"alpha": [tasks[0]._replace(state="FAILED"), *tasks[1:]]}, now=1)
    assert ids(model) == ["60"]  # the failed task is counted in the array's row, not listed apart
    assert model.rows[0].job.state == "1 R · 8 PD · 1 F" and model.rows[0].job.name == "train [1-10]"
    model.toggle_expanded(("alpha", "60"))
    assert ids(model) == ["60", "60_2", "60_[3-10]", "60_1"]
    assert model.n_active == 4 and model.rows[3].finished_at == 1


def test_an_array_whose_tasks_all_ended_is_one_finished_row() -> None:
    model = QueueModel(JOB_COLUMNS)
    tasks = [job("61_1")._replace(time_used_s=40), job("61_2")._replace(time_used_s=75)]
    model.update({"alpha": [*tasks, job("7")]}, now=0)
    model.update({"alpha": [job("7")]}, now=5)
    assert ids(model) == ["7", "61"]
    assert model.rows[1].job.time_used_s == 75  # the longest a task ran, not 0:00
    assert model.n_active == 1 and model.rows[1].finished_at == 5
    assert model.finished_counts == {"ENDED?": 2}
    model.set_outcomes("alpha", ["61_1", "61_2"], {"61_1": "COMPLETED", "61_2": "FAILED 1:0"})
    assert model.rows[1].job.state == "1 F · 1 CD" and model.finished_counts == {"COMPLETED": 1, "FAILED": 1}


def test_a_finished_row_says_whether_accounting_was_asked() -> None:
    model = QueueModel(JOB_COLUMNS)
    model.update({"alpha": [job("8"), pending("9", reason="Dependency")]}, now=0)
    model.update({"alpha": []}, now=5)
    assert [state_text(row) for row in model.rows] == ["ENDED?", "ENDED?"]  # sacct not asked yet
    model.set_outcomes("alpha", ["8", "9"], {"8": "COMPLETED"})  # accounting lags for 9
    assert {row.job.job_id: state_text(row) for row in model.rows} == {"8": "COMPLETED", "9": "ENDED"}
    assert [row.job.job_id for row in model.unexplained()] == ["9"]  # asked again


def test_tasks_cancelled_while_held_take_the_end_squeue_shows_for_the_arrays_rest() -> None:
    model = QueueModel(JOB_COLUMNS)
    held = [pending(f"70_{n}", reason="JobHeldUser") for n in (1, 2, 3)]
    model.update({"alpha": held}, now=0)
    rest = pending("70", reason="JobHeldUser")._replace(state="CANCELLED")
    model.update({"alpha": [rest, job("70_2")]}, now=5)  # 2 released, 1 and 3 cancelled
    model.toggle_expanded(("alpha", "70"))
    assert [(row.job.job_id, state_text(row)) for row in model.rows] == [
        ("70", "1 R · 2 CA"),
        ("70_2", "RUNNING"),
        ("70_1", "CANCELLED"),
        ("70_3", "CANCELLED"),
    ]
    assert model.n_finished == 0 and model.unexplained() == []


def test_an_array_row_keeps_its_first_tasks_log_paths() -> None:
    # The row's name ("train [1-2]") and empty node list are for the table, not for %x and %N.
    model = QueueModel(JOB_COLUMNS)
    tasks = [
        job(f"62_{i}", unique_id=str(70 + i), nodelist=f"a{i}", stdout_pattern="/w/%x_%A_%a_%j_%N%%.out",
            stderr_pattern="/w/%x.err")
        for i in (1, 2)
    ]  # fmt: skip
    model.update({"alpha": tasks}, now=0)
    row = model.rows[0].job
    assert (
        (row.stdout, row.stderr) == ("/w/train_62_1_71_a1%.out", "/w/train.err") == (tasks[0].stdout, tasks[0].stderr)
    )
