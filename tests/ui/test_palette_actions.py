"""The palette offers the job keys of the view it was opened from (same messages, same
confirmation), the cursor's job alone when jobs are marked, and ``VERB JOB`` searches that never
offer an action Slurm would refuse outright (no "cancel" of a cancelled job)."""

from __future__ import annotations

import ui_fakes
from textual.widgets import Static
from ui_fakes import details_1001

from hpctui.ui.commands import JobCommands, TargetCommands
from hpctui.ui.dialogs.confirm import ConfirmDialog
from hpctui.ui.screens.details import JobDetailsScreen
from hpctui.ui.screens.log import LogScreen

SIZE = (160, 40)


async def _texts(provider, query: str) -> list[str]:
    hits = provider.search(query) if query else provider.discover()
    return [str(hit.text or hit.display) async for hit in hits]


async def _run_palette(pilot, query: str) -> None:
    await pilot.press("ctrl+p", *query)
    await pilot.pause(0.3)
    await pilot.press("enter")
    await pilot.pause()


async def test_hold_from_the_palette_confirms_like_the_key(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert "Hold job 1001 gpu2run (alpha)" in await _texts(TargetCommands(app.screen), "hold")
        await _run_palette(pilot, "hold")
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.commands == app.workspace.session("alpha").actions.plan("hold", ["1001"]).commands


async def test_marked_jobs_and_the_cursor_job_alone(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "j", "space", "j")  # marks 1001 and the array 1003, cursor on 1005
        texts = await _texts(TargetCommands(app.screen), "cancel")
        assert "Cancel the 2 marked jobs (alpha: 1001 1003)" in texts
        assert "Cancel job 1005 big-eval (alpha) (under the cursor)" in texts
        # a pending job cannot be requeued: not offered for the cursor's job
        assert not [t for t in await _texts(TargetCommands(app.screen), "requeue") if "under the cursor" in t]
        await _run_palette(pilot, "cancel under the cursor")
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.commands == app.workspace.session("alpha").actions.plan("cancel", ["1005"]).commands


async def test_verb_searches_act_on_any_cluster_and_skip_ended_jobs(make_app) -> None:
    alpha = ui_fakes.snapshot("alpha", (*ui_fakes.alpha_jobs(), ui_fakes.job("1007", name="gone", state="CANCELLED")))
    app = make_app(ui_fakes.workspace(alpha))
    async with app.run_test(size=SIZE) as pilot:
        provider = JobCommands(app.screen)
        cancels = await _texts(provider, "cancel")
        assert cancels and all(text.startswith("Cancel ") for text in cancels)
        assert not [text for text in cancels if "1007" in text or "CANCELLED" in text]
        assert await _texts(provider, "hold 5001") == ["Hold beta 5001 resnet accel RUNNING"]
        await _run_palette(pilot, "hold 5001")
        assert isinstance(app.screen, ConfirmDialog)
        assert str(app.screen.query_one("#title", Static).render()).startswith("Hold job 5001 on beta?")
        await pilot.press("n")
        await pilot.pause()
        await _run_palette(pilot, "stderr 1002")
        assert isinstance(app.screen, LogScreen) and (app.screen.job_id, app.screen.stream) == ("1002", "stderr")


async def test_the_job_details_screen_offers_its_job_keys(make_app) -> None:
    app = make_app()
    app.workspace.session("alpha").details["1001"] = details_1001()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, JobDetailsScreen)
        texts = await _texts(TargetCommands(app.screen), "")
        assert {"Cancel job 1001 gpu2run (alpha)", "Release job 1001 gpu2run (alpha)"} <= set(texts)
        await _run_palette(pilot, "release job 1001")
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.commands == app.workspace.session("alpha").actions.plan("release", ["1001"]).commands


async def test_an_ended_job_under_the_cursor_is_not_offered_to_cancel(make_app) -> None:
    ended = ui_fakes.job("1001", name="done", state="CANCELLED", time_used_s=0)
    app = make_app(ui_fakes.workspace(ui_fakes.snapshot("alpha", (ended,))))
    async with app.run_test(size=SIZE):
        texts = await _texts(TargetCommands(app.screen), "")
        assert "Details of job 1001 done (alpha)" in texts
        assert not [text for text in texts if text.startswith(("Cancel", "Hold", "Release"))]


async def test_a_log_view_offers_the_actions_on_its_job(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")  # job 1001's log (its file cannot be read here: the view stays)
        await pilot.pause()
        assert isinstance(app.screen, LogScreen)
        assert "Cancel job 1001 gpu2run (alpha)" in await _texts(TargetCommands(app.screen), "")
        await _run_palette(pilot, "cancel job 1001")
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.commands == app.workspace.session("alpha").actions.plan("cancel", ["1001"]).commands
