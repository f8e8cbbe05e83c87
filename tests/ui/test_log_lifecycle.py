"""The log of a job whose file is not there (yet): found from accounting once the controller
forgot the job, given up (and said so) once the job ended without writing it, and followed at
its new path once a waiting array task starts. Files over a real link to an in-process SSH
server; sacct answered by a wrapper around that link."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import ui_fakes
from tail_helpers import link, served, server  # noqa: F401 (fixtures)

from hpctui.services.endings import Endings
from hpctui.services.jobinfo import JobDetails
from hpctui.slurm.commands import sacct_command
from hpctui.slurm.errors import SlurmError
from hpctui.slurm.formats import DELIMITER, SACCT_FIELDS
from hpctui.slurm.logpaths import LOG_FIELDS, log_record_command
from hpctui.ssh.link import ClusterLink
from hpctui.ssh.types import Result
from hpctui.ui.app import HpcApp
from hpctui.ui.job_actions import JobActions
from hpctui.ui.screens.log import LogScreen
from hpctui.ui.widgets.log_view import LogView

SIZE = (140, 30)
FORGOTTEN = SlurmError("slurm_load_jobs error: Invalid job id specified")


class AccountingLink:
    """The real link, with sacct's answers (``records``: job id -> fields) put in front: to
    the post-mortem's log lookup and to the session's Endings."""

    def __init__(self, link: ClusterLink, user: str | None) -> None:
        self.link = link
        self.user = user
        self.records: dict[str, dict[str, str]] = {}

    async def run(self, command: str, **options: Any) -> Result:
        for job_id, record in self.records.items():
            if command == log_record_command(job_id):
                return Result(command, 0, row(record, LOG_FIELDS), "")
            if command == sacct_command(self.user, job_ids=[job_id]):
                return Result(command, 0, row(record, SACCT_FIELDS), "")
        return await self.link.run(command, **options)

    def __getattr__(self, name: str) -> Any:  # stream, status, subscribe ...: the real link's
        return getattr(self.link, name)


def row(record: dict[str, str], fields: tuple[str, ...]) -> str:
    return DELIMITER.join(record.get(name, "") for name in fields) + "\n" if record else ""


@pytest.fixture
def app_and_session(link):  # noqa: F811 (the fixture imported above)
    workspace = ui_fakes.workspace()
    session = workspace.session("alpha")
    session.link = AccountingLink(link, session.cluster.queue_user)
    session.endings = Endings(session.link, "alpha", session.cluster.queue_user)  # type: ignore[arg-type]
    return HpcApp(workspace.config, workspace, clock=lambda: ui_fakes.NOW), session


async def until(pilot, predicate, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await pilot.pause(0.05)


def status(app: HpcApp) -> str:
    return str(app.screen.query_one("#log-status").render())


async def test_the_post_mortem_l_finds_a_forgotten_jobs_log_from_accounting(app_and_session, tmp_path: Path) -> None:
    app, session = app_and_session
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "train_4242.out").write_text("epoch 1\nepoch 2\n")
    session.details["4242"] = FORGOTTEN
    session.link.records["4242"] = {
        "JobID": "4242", "JobIDRaw": "4242", "JobName": "train", "User": "hpcuser", "WorkDir": str(tmp_path),
        "State": "FAILED", "NodeList": "a1",
        "SubmitLine": "sbatch -o logs/%x_%j.out train.sbatch",
    }  # fmt: skip
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(JobActions.LogRequested(session, "4242", "stdout"))  # what the post-mortem's l posts
        await until(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen.tail is not None)
        view = app.screen.query_one(LogView)
        await until(pilot, lambda: view.ring.total == 2)
        assert app.screen.tail.path == str(tmp_path / "logs" / "train_4242.out") and app.screen.error is None
        await pilot.pause(0.6)
        assert "paths from accounting: the sbatch command line (SubmitLine)" in status(app)


async def test_a_forgotten_job_accounting_does_not_know_says_so(app_and_session) -> None:
    app, session = app_and_session
    session.details["4243"] = FORGOTTEN
    session.link.records["4243"] = {}  # an empty answer: no row
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(JobActions.LogRequested(session, "4243", "stdout"))
        await until(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen.error is not None)
        assert app.screen.error == (
            "the controller no longer knows job 4243 and its log cannot be found: accounting has no record of job 4243"
        )


async def test_a_job_cancelled_while_pending_stops_the_wait(app_and_session, tmp_path: Path) -> None:
    app, session = app_and_session
    missing = tmp_path / "never.out"
    session.details["1005"] = JobDetails("alpha", "1005", {"StdOut": str(missing), "JobState": "PENDING"})
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(JobActions.LogRequested(session, "1005", "stdout"))
        await until(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen.tail is not None)
        screen = app.screen
        await until(pilot, lambda: screen.tail.file_size == -1)  # waiting for the file
        cancelled = ui_fakes.job("1005", state="CANCELLED", time_used_s=0)
        session.poller.set(ui_fakes.snapshot("alpha", (cancelled,)))
        await until(pilot, lambda: screen.error is not None)
        assert screen.error == (
            f"job 1005 ended (CANCELLED) without ever running: {missing} does not exist. Stopped waiting."
        )
        await pilot.pause(0.6)
        assert status(app) == screen.error


async def test_a_job_gone_from_the_queue_is_asked_to_accounting(app_and_session, tmp_path: Path) -> None:
    app, session = app_and_session
    missing = tmp_path / "never.out"
    session.details["1005"] = JobDetails("alpha", "1005", {"StdOut": str(missing), "JobState": "PENDING"})
    session.link.records["1005"] = {
        "JobID": "1005",
        "JobIDRaw": "1005",
        "State": "CANCELLED by 1000",
        "NodeList": "None assigned",
    }
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(JobActions.LogRequested(session, "1005", "stdout"))
        await until(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen.tail is not None)
        screen = app.screen
        await until(pilot, lambda: screen.tail.file_size == -1)
        session.poller.set(ui_fakes.snapshot("alpha", (), at=ui_fakes.NOW + 15))  # polled after the log opened
        await until(pilot, lambda: screen.error is not None)
        assert screen.error.startswith("job 1005 ended (CANCELLED) without ever running")


async def test_a_waiting_array_task_is_followed_at_its_path_once_it_starts(app_and_session, tmp_path: Path) -> None:
    app, session = app_and_session
    waiting = tmp_path / "sweep_1003_4294967294.out"
    started = tmp_path / "sweep_1003_5.out"
    session.details["1003_5"] = JobDetails("alpha", "1003_5", {"StdOut": str(waiting), "JobState": "PENDING"})
    session.poller.set(ui_fakes.snapshot("alpha", (ui_fakes.pending("1003_5", name="sweep"),)))
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(JobActions.LogRequested(session, "1003_5", "stdout"))
        await until(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen.tail is not None)
        screen = app.screen
        await until(pilot, lambda: screen.tail.file_size == -1)
        started.write_text("task 5 here\n")
        session.details["1003_5"] = JobDetails("alpha", "1003_5", {"StdOut": str(started), "JobState": "RUNNING"})
        session.poller.set(ui_fakes.snapshot("alpha", (ui_fakes.job("1003_5", name="sweep"),)))
        await until(pilot, lambda: screen.tail is not None and screen.tail.path == str(started))
        view = screen.query_one(LogView)
        await until(pilot, lambda: view.ring.total == 1)
        assert screen.error is None


async def test_a_job_that_ran_without_its_log_stops_the_wait_too(app_and_session, tmp_path: Path) -> None:
    app, session = app_and_session
    missing = tmp_path / "nodir" / "run.out"
    session.details["1005"] = JobDetails("alpha", "1005", {"StdOut": str(missing), "JobState": "RUNNING"})
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(JobActions.LogRequested(session, "1005", "stdout"))
        await until(pilot, lambda: isinstance(app.screen, LogScreen) and app.screen.tail is not None)
        screen = app.screen
        await until(pilot, lambda: screen.tail.file_size == -1)
        session.poller.set(ui_fakes.snapshot("alpha", (ui_fakes.job("1005", state="FAILED", time_used_s=3),)))
        await until(pilot, lambda: screen.error is not None)
        assert (
            screen.error
            == f"job 1005 ended (FAILED): {missing} does not exist (removed, or never written). Stopped waiting."
        )
