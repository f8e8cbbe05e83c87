"""The TUI against the lab: the real Workspace (SSH links, pollers) and real Slurm jobs."""

from __future__ import annotations

import dataclasses
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from waiting import wait_for

from hpctui.config.model import Refresh
from hpctui.services.cluster import Workspace
from hpctui.slurm.models import ENDED_STATES
from hpctui.ui.app import HpcApp
from hpctui.ui.prompter import UiPrompter
from hpctui.ui.screens.help import HelpScreen
from hpctui.ui.tabs.cluster import pane_id
from hpctui.ui.widgets.gpu_board import GpuBoard
from hpctui.ui.widgets.job_table import JobTable
from hpctui.ui.widgets.status_line import StatusLine

pytestmark = pytest.mark.lab
SIZE = (160, 48)


@asynccontextmanager
async def lab_app(lab, config: Any = None) -> AsyncIterator[tuple[HpcApp, Any]]:
    prompter = UiPrompter()
    config = config or lab.config
    async with Workspace(config, prompter) as workspace:  # its owner, as hpctui.cmd.tui is
        app = HpcApp(config, workspace)
        prompter.bind(app)
        async with app.run_test(size=SIZE) as pilot:
            yield app, pilot


def submit(lab, cluster: str, options: str) -> str:
    answer = lab.ssh(cluster, f"sbatch --parsable {options} --wrap 'sleep 300'")
    assert answer.returncode == 0, answer.stderr
    return answer.stdout.strip().split(";")[0]


def cancel(lab, cluster: str, job_ids: list[str]) -> None:
    lab.ssh(cluster, "scancel " + " ".join(job_ids))


def tab_table(app: HpcApp, cluster: str) -> JobTable:
    return app.main.query_one(f"#{pane_id(cluster)} JobTable", JobTable)


async def put_cursor_on(app: HpcApp, pilot, cluster: str, job_id: str) -> JobTable:
    """Wait for the job in its cluster's tab and put the cursor on its row."""
    table = tab_table(app, cluster)
    await wait_for(pilot, lambda: (cluster, job_id) in table.model.index)
    table.move_cursor(table.model.index[(cluster, job_id)])
    await pilot.pause()
    return table


def cells(table: JobTable, cluster: str, job_id: str) -> list[str]:
    row = table.model.rows[table.model.index[(cluster, job_id)]]
    return [col.cell(row) for col in table.model.columns]


async def test_both_clusters_show_their_jobs_gpu_types_and_overview_counts(lab) -> None:
    name = f"uitest-{uuid.uuid4().hex[:6]}"
    alpha_id = submit(lab, "alpha", f"-p gpu --gres=gpu:2 -t 5 -J {name}")
    beta_id = submit(lab, "beta", f"-p accel --gres=gpu:a100:1 -t 5 -J {name}")
    try:
        async with lab_app(lab) as (app, pilot):
            for number, cluster, job_id, gpu_type in ((1, "alpha", alpha_id, "mi250x"), (2, "beta", beta_id, "a100")):
                await pilot.press(str(number))
                table = tab_table(app, cluster)
                await wait_for(pilot, lambda: (cluster, job_id) in table.model.index)
                shown = cells(table, cluster, job_id)
                assert name in shown and ("gpu" if cluster == "alpha" else "accel") in shown
                board = app.main.query_one(f"#{pane_id(cluster)} GpuBoard", GpuBoard)
                await wait_for(pilot, lambda: gpu_type in str(board.query_one(".partition").render()))

            await pilot.press("0")
            overview = app.main.query_one("#overview JobTable", JobTable)
            await wait_for(pilot, lambda: {("alpha", alpha_id), ("beta", beta_id)} <= overview.model.index.keys())
            for line in app.main.query("#overview StatusLine").results(StatusLine):
                jobs = app.workspace.session(line.cluster).poller.latest.jobs
                counts = Counter(job.state for job in jobs if job.state not in ENDED_STATES)  # queued ones only
                text = str(line.render())
                for state, count in counts.items():
                    assert f"{count} {state.lower()}" in text
    finally:
        cancel(lab, "alpha", [alpha_id])
        cancel(lab, "beta", [beta_id])


async def test_cursor_stays_on_its_job_while_jobs_before_it_finish(lab) -> None:
    name = f"uicursor-{uuid.uuid4().hex[:6]}"
    before = [submit(lab, "alpha", f"-p gpu -t 5 -J {name}") for _ in range(3)]
    target = submit(lab, "alpha", f"-p gpu --hold -t 5 -J {name}")
    try:
        async with lab_app(lab) as (app, pilot):
            table = await put_cursor_on(app, pilot, "alpha", target)
            screen_row = table.cursor - table.scroll_offset.y
            cancel(lab, "alpha", before)
            await pilot.press("r")
            await wait_for(
                pilot,
                lambda: all(table.model.rows[table.model.index[("alpha", j)]].job.state == "CANCELLED" for j in before),
            )
            await pilot.pause()
            assert table.cursor_key == ("alpha", target)
            # The ended jobs left the rows above it for the finished group below: the cursor's
            # row keeps its place on screen unless the view would have to scroll above the top.
            now_row = table.cursor - table.scroll_offset.y
            assert now_row == screen_row or (table.scroll_offset.y == 0 and now_row == table.cursor)
            assert all(table.model.index[("alpha", j)] > table.model.index[("alpha", target)] for j in before)
            assert target in table.render_line(now_row + 1).text
    finally:
        cancel(lab, "alpha", [*before, target])


async def test_filter_and_help_on_live_data(lab) -> None:
    name = f"uifilter-{uuid.uuid4().hex[:6]}"
    ids = [submit(lab, "beta", f"-p normal --hold -t 5 -J {name}") for _ in range(2)]
    try:
        async with lab_app(lab) as (app, pilot):
            await pilot.press("2")
            table = tab_table(app, "beta")
            await wait_for(pilot, lambda: all(("beta", j) in table.model.index for j in ids))
            await pilot.press("slash", *name, "enter")
            await pilot.pause()
            assert sorted(row.job.job_id for row in table.model.rows) == sorted(ids)
            await pilot.press("escape")
            assert not table.model.filter_text
            assert len(table.model.rows) >= len(ids)
            await pilot.press("question_mark")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            assert {"filter", "details", "cancel"} <= {a.binding.id for a in app.screen.bindings.values()}
    finally:
        cancel(lab, "beta", ids)


async def test_action_keys_open_the_other_screens_for_the_job_and_its_cluster(lab) -> None:
    from hpctui.ui.screens.audit import AuditScreen
    from hpctui.ui.screens.log import LogScreen
    from hpctui.ui.screens.postmortem import PostMortemScreen
    from hpctui.ui.screens.resubmit import ResubmitScreen

    job_id = submit(lab, "beta", f"-p normal --hold -t 5 -J uikeys-{uuid.uuid4().hex[:6]}")
    try:
        async with lab_app(lab) as (app, pilot):
            await pilot.press("2")
            await put_cursor_on(app, pilot, "beta", job_id)
            for key, screen_type in (("p", PostMortemScreen), ("s", ResubmitScreen)):
                await pilot.press(key)
                await pilot.pause()
                assert isinstance(app.screen, screen_type)
                assert app.screen.session is app.workspace.session("beta")
                app.pop_screen()
                await pilot.pause()
            for key, stream in (("l", "stdout"), ("e", "stderr")):
                await pilot.press(key)
                await pilot.pause()
                assert isinstance(app.screen, LogScreen)
                assert (app.screen.session, app.screen.job_id, app.screen.stream) == (
                    app.workspace.session("beta"),
                    job_id,
                    stream,
                )
                app.pop_screen()
                await pilot.pause()
            await pilot.press("a")
            await pilot.pause()
            assert isinstance(app.screen, AuditScreen)
            assert app.screen.audit_log is app.workspace.audit
    finally:
        cancel(lab, "beta", [job_id])


async def test_details_read_a_checkpoint_saved_by_pytorch(lab) -> None:
    """The lab's logins have a CPU PyTorch: ``m`` runs the default torch one-liner in the job's
    WorkDir and shows what ``torch.save`` wrote there."""
    from hpctui.ui.screens.details import JobDetailsScreen

    work = f"/home/hpcuser/project/hpctui-tests/uickpt-{uuid.uuid4().hex[:6]}"
    save = "import torch; torch.save({'epoch': 3, 'best_val_loss': 0.25, 'best_val_metric': 0.9}, 'outputs/latest.pt')"
    made = lab.ssh("alpha", f'mkdir -p {work}/outputs && cd {work} && python3 -c "{save}"', timeout=120)
    assert made.returncode == 0, made.stderr
    job_id = submit(lab, "alpha", f"-p gpu --hold -t 5 -D {work} -J uickpt")
    try:
        async with lab_app(lab) as (app, pilot):
            await put_cursor_on(app, pilot, "alpha", job_id)
            await pilot.press("enter")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, JobDetailsScreen) and screen.job_id == job_id
            await wait_for(pilot, lambda: screen.query(".group"))
            assert screen.work_dir == work
            await pilot.press("m")
            line = screen.query_one("#checkpoint")
            await wait_for(pilot, lambda: line.has_class("-failed") or line.has_class("-ok"), timeout=120)
            assert str(line.render()) == "checkpoint: epoch 3, best loss 0.25, best metric 0.9"
    finally:
        cancel(lab, "alpha", [job_id])
        lab.ssh("alpha", f"rm -rf {work}")


async def test_purge_check_runs_on_the_cluster_and_its_outcome_shows_in_the_status_lines(lab) -> None:
    async with lab_app(lab) as (app, pilot):
        assert set(app.purge_watches) == {c.name for c in lab.config.clusters if c.purge.days and c.purge.dirs}
        for cluster, watch in app.purge_watches.items():
            await pilot.press(str(list(app.workspace.sessions).index(cluster) + 1))
            await wait_for(pilot, lambda: app.workspace.session(cluster).link.status.state.value == "connected")
            outcome = await watch.check()
            await pilot.pause()
            assert outcome.error is None and outcome.report is not None
            line = str(app.main.query_one(f"#{pane_id(cluster)} StatusLine", StatusLine).render())
            assert (f"⚠ {outcome.badge}" in line) if outcome.badge else ("purge" not in line)


async def test_after_an_action_the_row_shows_the_new_state_at_once(lab) -> None:
    """An action asks for a poll right after it: with the queue polled only every 5 minutes, the
    held job's row says JobHeldUser soon after the confirmation all the same."""
    slow = Refresh(queue_s=300, gpus_s=300)
    config = dataclasses.replace(
        lab.config, clusters=tuple(dataclasses.replace(c, refresh=slow) for c in lab.config.clusters)
    )
    job_id = submit(lab, "alpha", f"-p gpu --begin=now+1hour -t 5 -J uihold-{uuid.uuid4().hex[:6]}")
    try:
        async with lab_app(lab, config) as (app, pilot):
            table = await put_cursor_on(app, pilot, "alpha", job_id)
            polls = app.workspace.session("alpha").poller.polls
            assert "JobHeldUser" not in cells(table, "alpha", job_id)
            await pilot.press("H")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "ConfirmDialog", 10)
            await pilot.press("y")
            await wait_for(pilot, lambda: "JobHeldUser" in cells(table, "alpha", job_id), 30)
            assert app.workspace.session("alpha").poller.polls == polls + 1  # the action's own refresh
    finally:
        cancel(lab, "alpha", [job_id])
