"""The job details screen's checkpoint line (``m``) and resubmit lineage, on deterministic data:
the checkpoint command is built by the real builder and its answer parsed by the real parser."""

from __future__ import annotations

from textual.widgets import Static
from ui_fakes import details_1001

from hpctui.services.checkpoint import checkpoint_command
from hpctui.services.resubmit import ResubmitHistory
from hpctui.ssh.types import Result
from hpctui.ui.screens.details import JobDetailsScreen

SIZE = (160, 40)
WORK_DIR = "/home/hpcuser/project"  # WorkDir of job 1001


def shown(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def open_details(app, pilot) -> JobDetailsScreen:
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, JobDetailsScreen)
    return app.screen


async def test_m_reads_the_checkpoint_and_shows_its_summary_or_why_not(make_app) -> None:
    app = make_app()
    alpha = app.workspace.session("alpha")
    alpha.details["1001"] = details_1001()
    command = checkpoint_command(WORK_DIR, None)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_details(app, pilot)
        assert "m reads outputs/latest.pt" in shown(screen, "#checkpoint")
        alpha.link.answers[command] = Result(command, 0, "Epoch 12, Loss 0.231, Metric 0.874\n", "")
        await pilot.press("m")
        await pilot.pause(0.1)
        assert shown(screen, "#checkpoint") == "checkpoint: epoch 12, best loss 0.231, best metric 0.874"
        assert screen.query_one("#checkpoint").has_class("-ok")
        missing = "FileNotFoundError: [Errno 2] No such file or directory: 'outputs/latest.pt'"
        alpha.link.answers[command] = Result(command, 1, "", f"Traceback (most recent call last):\n{missing}\n")
        await pilot.press("m")
        await pilot.pause(0.1)
        assert shown(screen, "#checkpoint") == f"checkpoint: no checkpoint outputs/latest.pt in {WORK_DIR}"
        assert screen.query_one("#checkpoint").has_class("-failed")


async def test_lineage_shows_both_directions_of_the_resubmit_history(make_app, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    history = ResubmitHistory()
    history.record("alpha", "900", "1001", None)
    history.record("alpha", "1001", "1234", 2)
    history.record("beta", "1001", "7777", None)  # another cluster's job 1001
    app = make_app()
    alpha = app.workspace.session("alpha")
    alpha.details["1001"] = alpha.details["1002"] = details_1001()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_details(app, pilot)
        await pilot.pause(0.1)
        assert shown(screen, "#lineage") == "resubmit of 900 · resubmitted as 1234"
        await pilot.press("escape", "j")  # job 1002: no resubmit history
        screen = await open_details(app, pilot)
        await pilot.pause(0.1)
        assert not screen.query_one("#lineage").has_class("-shown")
