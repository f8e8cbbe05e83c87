"""The confirm dialog shows the exact commands; only ``y`` (or the Yes button) confirms."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from textual.app import App
from textual.widgets import Static

from hpctui.services.audit import AuditLog
from hpctui.services.cluster import ClusterSession
from hpctui.ui.dialogs.confirm import ConfirmDialog, confirm
from hpctui.ui.flows import run_action

COMMANDS = ["scancel -- 1042", "scancel -- '1043_[1-5]'"]


class DialogApp(App[None]):
    """Asks on ``x`` from a worker, as the queue view does."""

    BINDINGS = [("x", "ask", "")]

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[bool] = []

    def action_ask(self) -> None:
        self.run_worker(self._ask())

    async def _ask(self) -> None:
        self.answers.append(await confirm(self, "Cancel 2 jobs on alpha?", COMMANDS))


async def answer_with(keys: list[str]) -> tuple[list[str], list[bool]]:
    app = DialogApp()
    async with app.run_test() as pilot:
        await pilot.press("x")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        shown = [str(w.render()) for w in dialog.query(".command").results(Static)]
        await pilot.press(*keys)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmDialog)
    return shown, app.answers


@pytest.mark.parametrize("keys", [["n"], ["escape"], ["enter"], ["tab", "shift+tab", "enter"]])
async def test_abort_keys_show_exact_commands_and_answer_no(keys: list[str]) -> None:
    shown, answers = await answer_with(keys)
    assert shown == COMMANDS
    assert answers == [False]


async def test_y_confirms() -> None:
    _, answers = await answer_with(["y"])
    assert answers == [True]


class ActionApp(App[None]):
    """Runs run_action on ``x`` from a worker, as the queue view does."""

    BINDINGS = [("x", "act", "")]

    def __init__(self, session, job_ids: list[str], verb: str = "cancel") -> None:
        super().__init__()
        self.session = session
        self.job_ids = job_ids
        self.verb = verb

    def action_act(self) -> None:
        self.run_worker(run_action(self, self.session, self.verb, self.job_ids))


@asynccontextmanager
async def held_job_and_session(lab, audit_path):
    """A held job on alpha and a connected session; the job is cancelled afterwards."""
    job_id = lab.ssh("alpha", "sbatch --parsable --hold --wrap true").stdout.strip()
    session = ClusterSession(lab.config.cluster("alpha"), None, AuditLog(audit_path))
    try:
        await session.link.start()
        await session.link.wait_connected(20)
        yield job_id, session
    finally:
        lab.ssh("alpha", f"scancel {job_id}")
        await session.link.close()


def job_state(lab, job_id: str) -> str:
    return lab.ssh("alpha", f"squeue --noheader --states=all --jobs={job_id} --format=%T").stdout.strip()


@pytest.mark.lab
@pytest.mark.parametrize("keys", [["n"], ["escape"], ["y"]])
async def test_run_action_on_the_lab_runs_only_after_y(lab, tmp_path, keys):
    async with held_job_and_session(lab, tmp_path / "audit.log") as (job_id, session):
        app = ActionApp(session, [job_id])
        async with app.run_test() as pilot:
            await pilot.press("x")
            await pilot.pause(0.2)
            assert isinstance(app.screen, ConfirmDialog)
            shown = [str(w.render()) for w in app.screen.query(".command").results(Static)]
            assert shown == session.actions.plan("cancel", [job_id]).commands
            await pilot.press(*keys)
            await app.workers.wait_for_complete()
            await pilot.pause()
        entries = AuditLog(tmp_path / "audit.log").entries()
        if keys == ["y"]:
            assert [e.command for e in entries] == shown
            assert job_state(lab, job_id) in ("CANCELLED", "")
        else:
            assert entries == []
            assert job_state(lab, job_id) == "PENDING"


@pytest.mark.lab
async def test_refusal_is_notified_as_an_error_in_slurms_words(lab, tmp_path):
    async with held_job_and_session(lab, tmp_path / "audit.log") as (job_id, session):
        app = ActionApp(session, [job_id], verb="requeue")
        async with app.run_test() as pilot:
            await pilot.press("x")
            await pilot.pause(0.2)
            await pilot.press("y")
            await app.workers.wait_for_complete()
            notes = [(n.severity, n.message) for n in app._notifications]
        assert [severity for severity, _ in notes] == ["error"]
        assert f"{job_id}: " in notes[0][1] and "Job is pending execution" in notes[0][1]
