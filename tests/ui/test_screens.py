"""Details, help, palette, status line and themes, on deterministic data."""

from __future__ import annotations

import dataclasses

from textual import events
from textual.widgets import DataTable, Static
from ui_fakes import NOW, alpha_jobs, details_1001, snapshot
from waiting import wait_for

from hpctui.slurm.errors import SlurmError
from hpctui.ssh.types import LinkState, LinkStatus
from hpctui.ui.app import MainScreen
from hpctui.ui.dialogs.confirm import ConfirmDialog
from hpctui.ui.screens.details import JobDetailsScreen
from hpctui.ui.screens.help import HelpScreen
from hpctui.ui.themes import theme_fields
from hpctui.ui.widgets.status_line import CALM_TICK_S, SLOW_TICK_S, TICK_S, StatusLine, same_height

SIZE = (160, 40)


def texts(screen, selector: str) -> list[str]:
    return [str(w.render()) for w in screen.query(selector).results(Static)]


async def test_enter_shows_every_scontrol_field_grouped(make_app) -> None:
    app = make_app()
    details = details_1001()
    app.workspace.session("alpha").details["1001"] = details
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, JobDetailsScreen)
        assert [str(g.border_title) for g in screen.query(".group")] == [title for title, _ in details.groups()]
        shown = "\n".join(texts(screen, ".group"))
        for key, value in details.fields.items():
            assert key in shown and value in shown
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_details_show_slurms_error_in_place_and_action_keys_work_there(make_app) -> None:
    app = make_app()
    app.workspace.session("alpha").details["1001"] = SlurmError("slurm_load_jobs error: Invalid job id specified")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert "Invalid job id specified" in texts(app.screen, "#error")[0]
        await pilot.press("H")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert app.screen.commands == app.workspace.session("alpha").actions.plan("hold", ["1001"]).commands
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_help_lists_the_active_bindings_of_the_view_with_keymap_overrides(make_app) -> None:
    app = make_app(keymap=(("cancel", "x"),))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = [
            tuple(map(str, r))
            for r in (
                app.screen.query_one(DataTable).get_row_at(i) for i in range(app.screen.query_one(DataTable).row_count)
            )
        ]
        by_id = {r[2]: r for r in rows if r[2]}
        assert by_id["cancel"][0] == "x"
        for binding_id in (
            "details",
            "filter",
            "refresh",
            "select",
            "sort",
            "log",
            "tab_1",
            "next_tab",
            "help",
            "quit",
        ):
            assert binding_id in by_id
        await pilot.press("escape")
        app.workspace.session("alpha").details["1001"] = details_1001()
        await pilot.press("enter", "question_mark")
        await pilot.pause()
        ids = {
            str(r[2])
            for r in (
                app.screen.query_one(DataTable).get_row_at(i) for i in range(app.screen.query_one(DataTable).row_count)
            )
        }
        assert {"back", "cancel", "refresh"} <= ids
        assert "tab_1" not in ids


async def test_palette_switches_tabs_and_opens_jobs(make_app) -> None:
    app = make_app()
    app.workspace.session("alpha").details["1004"] = details_1001()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"go to beta")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.tabs.active == "cluster-beta"
        await pilot.press("ctrl+p", *"held")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, JobDetailsScreen)
        assert app.screen.job_id == "1004"


async def test_status_line_follows_link_and_data(make_app) -> None:
    app = make_app()
    alpha = app.workspace.session("alpha")
    async with app.run_test(size=SIZE) as pilot:
        line = app.screen.query_one(StatusLine)
        text = str(line.render())
        assert "connected" in text and "updated 4 s ago" in text and "every 15 s" in text
        assert "4 running" in text and "3 pending" in text and "1 completing" in text
        alpha.link.set(
            LinkStatus(
                "alpha", LinkState.BACKING_OFF, "next try in 12 s", retry_at=NOW + 12, reason="Connection refused"
            )
        )
        alpha.poller.set(dataclasses.replace(snapshot("alpha", alpha_jobs()), error="backing off"))
        await pilot.pause()
        text = str(line.render())
        assert "backing off: Connection refused (next try in 12 s)" in text
        alpha.link.set(LinkStatus("alpha", LinkState.CONNECTED))
        alpha.poller.set(
            dataclasses.replace(snapshot("alpha", alpha_jobs()), error="squeue: error: Invalid user: nobody")
        )
        await pilot.pause()
        assert "⚠ squeue: error: Invalid user: nobody" in str(line.render())


async def test_overview_counts_jobs_and_free_gpus_per_cluster(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("0")
        await pilot.pause()
        lines = {
            line.cluster: str(line.render()) for line in app.screen.query("#overview StatusLine").results(StatusLine)
        }
        assert "4 running" in lines["alpha"] and "gpu 11/16 GPUs free" in lines["alpha"]
        assert "2 running" in lines["beta"] and "accel 3/8 GPUs free" in lines["beta"]
        table = app.screen.query_one("#overview JobTable")
        assert table.model.n_queued == 11


async def test_every_theme_applies(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for name, fields in theme_fields().items():
            app.theme = name
            await pilot.pause()
            assert app.current_theme.name == name
            assert app.theme_variables["primary"].lower() == fields["primary"]
            assert app.theme_variables["state-running"] == fields["variables"]["state-running"]


async def test_status_line_ticks_its_age_slower_once_old_or_unseen_and_repaints_without_layout(make_app) -> None:
    app = make_app()
    now = [NOW]
    app.clock = lambda: now[0]
    async with app.run_test(size=SIZE) as pilot:
        line = app.screen.query_one(StatusLine)
        assert "updated 4 s ago" in str(line.render())
        now[0] = NOW + 10
        await pilot.pause(1.3)
        assert "updated 14 s ago" in str(line.render())
        now[0] = NOW + 11
        line.redraw()
        assert not line._layout_required  # same height: a repaint of this line only
        assert line._tick_delay(now[0]) == TICK_S
        assert line._tick_delay(NOW + 100) == SLOW_TICK_S  # data over a minute old
        app.post_message(events.AppBlur())
        await wait_for(pilot, lambda: line.calm)
        assert line._tick_delay(now[0]) == CALM_TICK_S  # nobody looking: no redraw each second
        now[0] = NOW + 20
        app.post_message(events.AppFocus())
        await wait_for(pilot, lambda: not line.calm)
        assert "updated 24 s ago" in str(line.render())  # brought up to date at once
        app.workspace.session("alpha").link.set(
            LinkStatus(
                "alpha", LinkState.BACKING_OFF, "next try in 9 s", retry_at=NOW + 109, reason="Connection refused"
            )
        )
        await pilot.pause()
        assert line._tick_delay(NOW + 100) == TICK_S  # the retry countdown ticks every second


def test_same_height_only_without_wrapping_and_with_as_many_lines() -> None:
    assert same_height("updated 9 s ago", "updated 10 s ago", 40)
    assert not same_height("updated 9 s ago", "updated 10 s ago\n⚠ squeue: error", 40)
    assert not same_height("short", "x" * 41, 40)


def test_every_theme_file_sets_the_same_variables_as_the_default() -> None:
    fields = theme_fields()
    assert list(fields)[0] == "hpctui-dark" and set(fields) == {"hpctui-dark", "hpctui-light", "hpctui-contrast"}
    for name, theme in fields.items():
        assert theme["variables"].keys() == fields["hpctui-dark"]["variables"].keys(), name


async def test_help_reads_whole_at_45_rows_and_lists_only_the_tabs_that_exist(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        ids = {str(table.get_row_at(i)[2]) for i in range(table.row_count)}
        assert {"tab_1", "tab_2", "tab_3", "overview"} <= ids and not ids & {f"tab_{n}" for n in range(4, 10)}
        await pilot.press("G")
        await pilot.pause()
        assert table.cursor_row == table.row_count - 1
        assert table.scroll_y + table.scrollable_content_region.height >= table.row_count  # the last row is in view
        await pilot.press("g", "j")
        await pilot.pause()
        assert table.cursor_row == 1
        await pilot.press("escape", "4")  # two clusters and the overview: no fourth tab
        await pilot.pause()
        assert app.screen.tabs.active == "cluster-alpha"


async def test_the_footer_shows_help_and_quit_at_80_columns(make_app) -> None:
    from textual.widgets import Footer

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one(Footer)
        shown = " ".join(
            str(key.render()) for key in footer.query("FooterKey") if key.region.right <= 80 and key.region.width
        )
        assert "Help" in shown and "Quit" in shown


async def test_audit_shows_the_command_itself_first_and_q_closes_sub_views(make_app) -> None:
    from hpctui.ui.screens.audit import AuditScreen

    app = make_app()
    command = app.workspace.session("alpha").actions.plan("hold", ["1001"]).commands[0]
    app.workspace.audit.append("alpha", command, True, "", 0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AuditScreen)
        assert str(app.screen.query_one(DataTable).get_row_at(0)[3]) == "scontrol hold 1001"
        assert command in str(app.screen.query_one("#entry", Static).render())  # the full command below
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and app.is_running
        app.workspace.session("alpha").details["1001"] = details_1001()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, JobDetailsScreen)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and app.is_running


async def test_a_status_line_not_yet_shown_follows_every_change(make_app) -> None:
    """Before its first layout a status line is not on screen, yet its first frame must say
    what its tab was told at mount (the link and the data), not "disconnected, no data yet";
    a tab that was never shown likewise keeps its line current."""
    app = make_app()
    async with app.run_test(size=SIZE):
        beta = app.screen.query_one("#cluster-beta").query_one(StatusLine)
        assert not beta.is_on_screen
        text = str(beta.render())
        # what beta's tab was told at mount: its link backs off (ui_fakes), its data is 4 s old
        assert "backing off: Connection refused" in text and "updated 4 s ago" in text
        assert "disconnected" not in text and "no data yet" not in text
