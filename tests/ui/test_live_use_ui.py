"""The live-use panel in the job details screen: bars and sparklines from the sampler's
readings (real parsers on a fake link), and no GPU step left once the screen closes."""

from __future__ import annotations

from dataclasses import replace

import ui_fakes
from live_fakes import LiveLink, nvidia
from ui_fakes import details_1001
from waiting import wait_for

from hpctui.services.live_use import LiveUse
from hpctui.slurm.parse.usage import GpuUse, JobUsage, StepUsage
from hpctui.ui.screens.details import JobDetailsScreen
from hpctui.ui.widgets.live_use import LiveUsePanel, panel_content

SIZE = (160, 40)


def live_app(make_app):
    """The app, with job 1001's details and the sampler's commands going to a fake GPU step."""
    app = make_app()
    alpha = app.workspace.session("alpha")
    alpha.details["1001"] = details_1001()
    link = LiveLink([nvidia(40, 90), nvidia(45, 95)])
    alpha.link.run, alpha.link.stream = link.run, link.stream
    return app, link


async def live_panel(app, pilot) -> LiveUsePanel:
    """Job 1001's details opened (running, 2 GPUs, mem=1G) and its panel's first readings shown."""
    await pilot.press("enter")
    assert isinstance(app.screen, JobDetailsScreen)
    panel = app.screen.query_one(LiveUsePanel)
    await wait_for(pilot, lambda: "95%" in str(panel.render()))  # it starts after a second on top, then reads
    return panel


async def test_details_shows_live_bars_first_and_stops_sampling_on_close(make_app) -> None:
    app, link = live_app(make_app)
    async with app.run_test(size=SIZE) as pilot:
        panel = await live_panel(app, pilot)
        text = str(panel.render()).splitlines()
        assert panel.has_class("-shown") and panel.display
        assert text[1] == "CPU — until the next sstat   memory —"  # sstat waits for room in the minute
        assert text[2] == "GPU 0 NVIDIA A100-SXM4-40GB  ████░░░░░░  45% ▄▄   memory ░░░░░░░░░░ 1000M of 40.0G"
        assert text[3] == "GPU 1 NVIDIA A100-SXM4-40GB  ██████████  95% ██   memory ░░░░░░░░░░ 1000M of 40.0G"
        assert link.open_steps == 1 and panel.sampler is not None and panel.sampler.running
        sampler = panel.sampler
        await pilot.press("escape")
        await wait_for(pilot, lambda: link.closed_steps == 1)  # the cancelled step ends a moment later
        assert not isinstance(app.screen, JobDetailsScreen)
        assert (link.open_steps, link.closed_steps, sampler.running) == (0, 1, False)


async def test_the_panel_hides_when_its_job_ends(make_app) -> None:
    app, link = live_app(make_app)
    async with app.run_test(size=SIZE) as pilot:
        panel = await live_panel(app, pilot)
        assert panel.display and panel.sampler is not None
        sampler, poller = panel.sampler, app.workspace.session("alpha").poller
        ended = tuple(j._replace(state="COMPLETED") if j.job_id == "1001" else j for j in poller.latest.jobs)
        poller.set(replace(poller.latest, jobs=ended))
        await wait_for(pilot, lambda: not panel.display)  # the panel looks at its job every second
        assert not panel.display  # an ended job's last reading is not shown as live
        await wait_for(pilot, lambda: link.closed_steps == 1)  # the cancelled step ends a moment later
        assert (link.open_steps, link.closed_steps, sampler.running) == (0, 1, False)


def test_the_panel_shows_the_warnings_and_problems() -> None:
    live = LiveUse()
    for i in range(21):  # 5 minutes of an idle GPU 0
        live.add_gpus(15.0 * i, (GpuUse(0, "A100", 2.0, 1 << 30, 40 << 30),))
    live.add_usage(300.0, JobUsage((StepUsage("1001.batch", 10.0, int(0.95 * (1 << 30))),)))
    live.gpu_error = "GPU step: alpha: connection lost"
    lines = panel_content(live, ui_fakes.job("1001"), 300.0, 15, 60).plain.splitlines()
    assert lines[-3:] == [
        "⚠ GPU 0 under 10% for 5 min: is the job using the GPU?",
        "⚠ memory at 95% of the request: near the out-of-memory kill",
        "GPU step: alpha: connection lost",
    ]
    assert lines[1] == "CPU — until the next sstat   memory █████████░ 973M of 1.0G (95%)"


def test_the_heading_names_the_gpu_sampling_only_for_a_gpu_job() -> None:
    heading = [
        panel_content(LiveUse(), ui_fakes.job("1001", gpus=n), 0.0, 15, 60).plain.splitlines()[0] for n in (2, 0)
    ]
    assert heading == [
        "live use · GPUs every 15 s, CPU and memory every 60 s (sstat)",
        "live use · CPU and memory every 60 s (sstat)",
    ]
