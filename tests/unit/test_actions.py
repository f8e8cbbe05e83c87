"""Planning actions (validation, exact commands) and reading Slurm's answers."""

from __future__ import annotations

import shlex

import pytest

from hpctui.errors import UserError
from hpctui.services.actions import VERBS, outcome_of, plan_action
from hpctui.ssh.types import Result


@pytest.mark.parametrize("verb", VERBS)
def test_one_command_per_job_with_the_id_as_one_word(verb: str) -> None:
    plan = plan_action(verb, ["1042", " 1043_4 ", "1044_[1-5]", "1042"])
    assert plan.job_ids == ("1042", "1043_4", "1044_[1-5]")
    assert len(plan.commands) == 3
    for job_id, command in zip(plan.job_ids, plan.commands, strict=True):
        assert shlex.split(command)[-1] == job_id


def test_tasks_of_an_array_marked_whole_go_with_it() -> None:
    # marking an array's row and some of its task rows: "cancel 5 jobs" was shown for one array
    plan = plan_action("cancel", ["1044_2", "1044", "1044_[3-5]", "1045_1", "10440_1"])
    assert plan.job_ids == ("1044", "1045_1", "10440_1")


@pytest.mark.parametrize("bad", ["", "12;rm -rf ~", "$(touch x)", "12 13", "`id`", "abc", "12_"])
def test_bad_ids_are_user_errors(bad: str) -> None:
    with pytest.raises(UserError):
        plan_action("cancel", ["1042", bad])


def test_unknown_verb_and_empty_selection() -> None:
    with pytest.raises(UserError, match="unknown action"):
        plan_action("suspend", ["1"])
    with pytest.raises(UserError, match="no job"):
        plan_action("hold", [])


def test_refusal_with_exit_status_zero_is_not_ok() -> None:
    """scancel --verbose reports a refused kill on stderr and still exits 0."""
    stderr = "scancel: Terminating job 1023\nscancel: error: Kill job error on job id 1023: Job/step already completing or completed\n"
    outcome = outcome_of(Result("scancel -v 1023", 0, "", stderr))
    assert not outcome.ok
    assert "Job/step already completing or completed" in outcome.message


def test_refusal_message_is_verbatim() -> None:
    outcome = outcome_of(
        Result("scontrol requeue 1024", 1, "", "Requested operation is presently disabled for job 1024\n")
    )
    assert (outcome.ok, outcome.message) == (False, "Requested operation is presently disabled for job 1024")
    assert outcome_of(Result("scontrol hold 1", 1, "", "")).message == "failed with exit status 1"


def test_success() -> None:
    assert outcome_of(Result("scontrol hold 1", 0, "", "")).ok
    verbose = outcome_of(Result("scancel -v 1026", 0, "", "scancel: Terminating job 1026\n"))
    assert (verbose.ok, verbose.message) == (True, "scancel: Terminating job 1026")


def test_advice_says_what_an_action_will_not_do():
    from hpctui.services.actions import advice

    assert advice("hold", ["RUNNING", "PENDING", "RUNNING"]).startswith("2 of these jobs run already: a hold only")
    assert advice("hold", ["PENDING"]) == ""
    assert "starts again from the beginning" in advice("requeue", ["RUNNING"])
    assert advice("cancel", ["RUNNING"]) == ""


def test_a_pending_job_on_hold_counts_as_held_for_the_advice():

    from test_actions_postmortem import job

    from hpctui.services.actions import HELD, advice, advice_state

    reasons = ("JobHeldUser", "JobHeldAdmin", "Priority")
    waiting = [job("1", "PENDING")._replace(reason=reason) for reason in reasons]
    assert [advice_state(j) for j in waiting] == [HELD, HELD, "PENDING"]
    assert advice_state(job("2", "RUNNING")) == "RUNNING"
    assert advice("hold", [HELD, "PENDING"]).startswith("1 of these jobs are held already")
