"""The post-mortem's efficiency panel on sacct output captured in the lab: the job under the
cursor, an array's summary with its worst tasks, and the advice handed to the resubmit dialog."""

from __future__ import annotations

from pathlib import Path

from test_postmortem_layout import open_postmortem
from textual.widgets import DataTable

from hpctui.services.resubmit import ResubmitChoice, ResubmitDraft
from hpctui.slurm.commands import sacct_command
from hpctui.slurm.submit import Export, SubmitOptions
from hpctui.ssh.types import Result
from hpctui.ui.screens.postmortem import PostMortemScreen
from hpctui.ui.screens.resubmit import ResubmitScreen, suggestion_text, with_efficiency
from hpctui.ui.widgets.efficiency_panel import EfficiencyPanel

SACCT = (Path(__file__).parents[1] / "fixtures" / "slurm" / "sacct_efficiency.txt").read_text()


def panel_text(screen: PostMortemScreen) -> str:
    return str(screen.query_one(EfficiencyPanel).render())


async def test_the_panel_follows_the_cursor_and_resubmit_gets_the_advice(make_app) -> None:
    app = make_app()
    command = sacct_command(None, days=7)
    app.workspace.session("alpha").link.answers[command] = Result(command, 0, SACCT, "")
    async with app.run_test(size=(160, 40)) as pilot:
        await open_postmortem(app, pilot)
        screen = app.screen
        assert isinstance(screen, PostMortemScreen)
        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index("16000"))
        await pilot.pause()
        text = panel_text(screen)
        assert "CPU 37% of 2 · memory 309M of 1.0G (30%) · time 0:21 of 10:00 (4%)" in text
        assert "\n  → asked 1.0G, used 309M at most: --mem=512M next time" in text and "␤" not in text
        table.move_cursor(row=table.get_row_index("16002_2"))
        await pilot.pause()
        text = panel_text(screen)
        assert "array 16002: 4 tasks (4 COMPLETED)" in text and "worst" in text and "this  16002_2 COMPLETED:" in text
        table.move_cursor(row=table.get_row_index("16000"))
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ResubmitScreen)
        assert app.screen.efficiency[0] == {"mem": "512M"}
        assert app.screen.efficiency[1].startswith("asked 1.0G, used 309M at most")


def draft(kind: str = "mem", suggested: ResubmitChoice | None = None) -> ResubmitDraft:
    return ResubmitDraft(
        "alpha", "7", "x", "/w", "#!/bin/sh\n", "job.sh", [], "/w/saved.sh", None, None,
        SubmitOptions(memory="64G", memory_kind=kind), Export(), "COMPLETED", None, None, None, [],
        suggested or ResubmitChoice(),
    )  # fmt: skip


def test_the_efficiency_values_apply_only_when_the_last_state_suggests_none() -> None:
    own = draft()
    chosen = with_efficiency(own, {"mem": "12G", "time": "01:30:00"})
    assert chosen.suggested == ResubmitChoice(time="01:30:00", mem="12G")
    assert suggestion_text(own, chosen, "asked 64G") == "efficiency: asked 64G; ctrl+t applies it"
    per_cpu = with_efficiency(draft("mem-per-cpu"), {"mem": "12G"})
    assert per_cpu.suggested == ResubmitChoice()  # a --mem figure is not a per-CPU one
    timeout = draft(suggested=ResubmitChoice(time="03:00:00"))
    assert with_efficiency(timeout, {"mem": "12G"}) is timeout
    assert suggestion_text(timeout, timeout, "x").endswith("\nefficiency: x")
