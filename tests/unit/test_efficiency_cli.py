"""`hpctui efficiency` targets and answers, without a cluster: what each kind of target means."""

from __future__ import annotations

import pytest

from hpctui.cmd.efficiency import split_targets
from hpctui.config.load import parse_config
from hpctui.errors import UserError

CONFIG = parse_config("clusters:\n  - name: alpha\n    ssh: {alias: a}\n  - name: beta\n    ssh: {alias: b}\n")


def test_a_cluster_then_job_ids_or_job_ids_alone():
    assert split_targets(CONFIG, ["alpha", "12", "13_[1-2]"]) == (["alpha"], ["12", "13_[1-2]"])
    assert split_targets(CONFIG, ["12"]) == (None, ["12"])
    assert split_targets(CONFIG, []) == (None, None)


def test_a_name_that_is_no_cluster_says_both_what_it_could_have_been():
    with pytest.raises(UserError) as error:
        split_targets(CONFIG, ["nope", "12"])
    assert str(error.value) == "'nope' is neither a cluster (alpha, beta) nor a job id"


def test_only_the_first_target_may_be_a_cluster():
    with pytest.raises(UserError) as error:
        split_targets(CONFIG, ["alpha", "beta"])
    assert str(error.value) == "not a job id: 'beta' (expected 123, 123_4 or 123_[1-5])"


def test_a_malformed_job_id_is_named_as_one():
    with pytest.raises(UserError) as error:
        split_targets(CONFIG, ["12;rm"])
    assert str(error.value) == "not a job id: '12;rm' (expected 123, 123_4 or 123_[1-5])"


def test_with_no_cluster_named_a_job_is_unknown_only_when_no_cluster_knows_it():
    from hpctui.cmd.efficiency import Answer, found_anywhere

    results = {"alpha": Answer([], ["13"]), "beta": Answer([], ["12", "13"])}
    kept, all_found = found_anywhere(results, ["12", "13"])
    assert (kept, all_found) == ({"alpha": Answer([], ["13"]), "beta": Answer([], ["13"])}, False)
    kept, all_found = found_anywhere({"alpha": Answer([], []), "beta": Answer([], ["12"])}, ["12"])
    assert (kept["beta"], all_found) == (Answer([], []), True)


def test_a_cluster_that_cannot_answer_knows_no_job():
    from hpctui.cmd.efficiency import Answer, found_anywhere

    assert found_anywhere({"alpha": "Connection refused"}, ["12"]) == ({"alpha": "Connection refused"}, False)
    kept, all_found = found_anywhere({"alpha": Answer([], []), "beta": "Connection refused"}, ["12"])
    assert (kept["beta"], all_found) == ("Connection refused", True)


def test_a_cluster_knowing_none_of_the_named_jobs_says_so_quietly():
    from hpctui.cmd.efficiency import Answer, _as_text

    assert _as_text("beta", Answer([], []), named=True) == "beta: none of these jobs"
    assert _as_text("beta", Answer([], []), named=False) == "beta: no ended jobs"


def test_the_count_line_says_jobs_and_arrays_in_the_right_number():
    from pathlib import Path

    from hpctui.cmd.efficiency import Answer, _as_text
    from hpctui.slurm.efficiency import summarise
    from hpctui.slurm.parse import parse_sacct

    fixture = Path(__file__).parents[1] / "fixtures" / "slurm" / "sacct_efficiency.txt"
    records = parse_sacct(fixture.read_text(), "alpha")
    everything = Answer(summarise(records), [])
    one_job = Answer(summarise([r for r in records if r.job_id == "16000"]), [])
    one_array = Answer(summarise([r for r in records if r.job_id.startswith("16002_")]), [])
    firsts = [_as_text("alpha", a, named=False).splitlines()[0] for a in (everything, one_job, one_array)]
    assert firsts == ["alpha: 4 jobs and 1 array", "alpha: 1 job", "alpha: 1 array"]
