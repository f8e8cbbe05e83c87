"""The queue view driven by keys, on deterministic data (real models, a fake data source)."""

from __future__ import annotations

from textual import events
from ui_fakes import NOW, big_jobs, snapshot, without

from hpctui.ui.app import MainScreen
from hpctui.ui.dialogs.confirm import ConfirmDialog
from hpctui.ui.tabs.queue_pane import QueuePane
from hpctui.ui.widgets.job_table import JobTable

SIZE = (160, 40)


def screen_line(t: JobTable, row: int) -> str:
    """The text drawn on the table's screen line ``row`` (0 is the header)."""
    return t.render_line(row).text


async def test_cursor_keeps_its_job_and_screen_row_when_jobs_before_it_finish(make_app) -> None:
    app = make_app()
    alpha = app.workspace.session("alpha")
    jobs = big_jobs(300)
    alpha.poller.set(snapshot("alpha", jobs))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        t = app.screen.query_one(JobTable)
        for _ in range(60):
            await pilot.press("j")
        await pilot.press("pagedown")
        await pilot.pause()
        key, top = t.cursor_key, t.scroll_offset.y
        row_on_screen = t.cursor + 1 - top
        assert key is not None and top > 0
        assert key[1] in screen_line(t, row_on_screen)

        finished = [j.job_id for j in jobs[:25]]
        alpha.poller.set(snapshot("alpha", jobs, at=NOW + 15))  # same jobs: nothing moves
        alpha.poller.set(without(snapshot("alpha", jobs, at=NOW + 30), *finished))
        await pilot.pause()
        assert t.cursor_key == key
        assert t.cursor + 1 - t.scroll_offset.y == row_on_screen
        assert key[1] in screen_line(t, row_on_screen)
        assert (t.model.n_active, t.model.n_finished) == (275, 25)


async def test_when_the_cursors_own_job_leaves_the_cursor_stays_at_its_row(make_app) -> None:
    app = make_app()
    alpha = app.workspace.session("alpha")
    jobs = big_jobs(100)
    alpha.poller.set(snapshot("alpha", jobs))
    async with app.run_test(size=SIZE) as pilot:
        t = app.screen.query_one(JobTable)
        t.move_cursor(40)
        await pilot.pause()
        row_on_screen = t.cursor - t.scroll_offset.y
        alpha.poller.set(without(snapshot("alpha", jobs, at=NOW + 15), jobs[40].job_id))
        await pilot.pause()
        assert t.cursor_key == ("alpha", jobs[41].job_id)
        assert t.cursor - t.scroll_offset.y == row_on_screen
        assert t.model.rows[-1].job.job_id == jobs[40].job_id  # in the finished group


async def test_navigation_keys_move_the_cursor(make_app) -> None:
    app = make_app()
    app.workspace.session("alpha").poller.set(snapshot("alpha", big_jobs(100)))
    async with app.run_test(size=SIZE) as pilot:
        t = app.screen.query_one(JobTable)
        await pilot.press("G")
        assert t.cursor == 99
        await pilot.press("g")
        assert t.cursor == 0
        await pilot.press("down", "j", "k")
        assert t.cursor == 1
        await pilot.press("end", "up", "home", "pagedown")
        assert t.cursor == t._page()


async def test_filter_narrows_and_escape_clears(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        t = app.screen.query_one(JobTable)
        await pilot.press("slash", *"jobheld")
        await pilot.pause()
        assert [r.job.job_id for r in t.model.rows] == ["1004"]
        await pilot.press("enter")
        assert app.focused is t
        assert "filter 'jobheld': 1 of 8 jobs" in str(app.screen.query("StatusLine").first().render())
        await pilot.press("escape")
        await pilot.pause()
        assert len(t.model.rows) == 6  # the array 1003's three rows are one
        assert not t.model.filter_text


async def test_sort_key_cycles_and_reverses_the_header(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        t = app.screen.query_one(JobTable)
        assert "JobID ▲" in screen_line(t, 0)
        await pilot.press("o")
        assert "Partition ▲" in screen_line(t, 0)
        await pilot.press("O")
        assert "Partition ▼" in screen_line(t, 0)
        assert t.model.rows[-1].job.partition == "cpu"


async def test_space_marks_rows_and_cancel_confirms_exactly_those(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        t = app.screen.query_one(JobTable)
        await pilot.press("space", "j", "space")  # 1001 and the whole array 1003
        assert [r.job.job_id for r in t.targets()] == ["1001", "1003"]
        assert screen_line(t, 1).startswith("●")
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        expected = app.workspace.session("alpha").actions.plan("cancel", ["1001", "1003"]).commands
        assert app.screen.commands == expected
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_number_and_bracket_keys_switch_tabs(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        tabs = app.screen.tabs
        await pilot.press("2")
        assert tabs.active == "cluster-beta"
        await pilot.press("]")
        assert tabs.active == "overview"
        await pilot.press("tab")
        assert tabs.active == "cluster-alpha"
        await pilot.press("shift+tab", "[")
        assert tabs.active == "cluster-beta"
        await pilot.press("1", "0")
        assert tabs.active == "overview"
        assert isinstance(app.focused, JobTable)
        assert isinstance(app.focused.parent, QueuePane)


async def test_refresh_asks_the_poller_and_a_keymap_can_move_it(make_app) -> None:
    app = make_app(keymap=(("refresh", "f5"),))
    poller = app.workspace.session("alpha").poller
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        assert poller.refresh_requests == 0
        await pilot.press("f5")
        assert poller.refresh_requests == 1


async def test_marks_go_with_jobs_that_end_and_esc_clears_the_rest(make_app) -> None:
    app = make_app()
    alpha = app.workspace.session("alpha")
    async with app.run_test(size=SIZE) as pilot:
        t = app.screen.query_one(JobTable)
        await pilot.press("space", "space", "space")  # 1001, 1002, the array 1003
        assert [r.job.job_id for r in t.targets()] == ["1001", "1002", "1003"]
        alpha.poller.set(without(alpha.poller.latest, "1001", "1002"))  # cancelled: they left squeue
        await pilot.pause()
        assert [r.job.job_id for r in t.targets()] == ["1003"]
        finished = [
            screen_line(t, y) for y in range(12) if "1001 " in screen_line(t, y) or "1002 " in screen_line(t, y)
        ]
        assert t.model.n_finished == 2 and len(finished) == 2 and not any(line.startswith("●") for line in finished)
        await pilot.press("G", "space")  # a finished job cannot be marked
        assert t.marked == {("alpha", "1003")}
        await pilot.press("escape")
        await pilot.pause()
        assert t.marked == set() and [r.job.job_id for r in t.targets()] == [t.cursor_row.job.job_id]


async def test_a_long_confirmation_at_80x24_keeps_its_buttons_in_view_and_scrolls(make_app) -> None:
    from textual.containers import VerticalScroll
    from textual.widgets import Button

    app = make_app()
    app.workspace.session("alpha").poller.set(snapshot("alpha", big_jobs(40)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for _ in range(19):
            await pilot.press("space")
        await pilot.press("c")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog) and len(dialog.commands) == 19
        for button in dialog.query(Button):
            assert 0 <= button.region.y and button.region.bottom <= 24 and button.region.height > 0
        commands = dialog.query_one("#commands", VerticalScroll)
        assert commands.max_scroll_y > 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert commands.scroll_y > 0
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_a_bulk_confirmation_says_which_jobs_first_and_the_prefix_once(make_app) -> None:
    from textual.widgets import Static

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        # 1001 (running) and 1003_[3-8] (pending), in the array 1003 unfolded (right)
        await pilot.press("space", "j", "right", "j", "j", "j", "space")
        await pilot.press("c")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        jobs = [str(w.render()) for w in dialog.query(".job").results(Static)]
        assert jobs == ["1001  gpu2run  RUNNING", "1003_[3-8]  sweep  PENDING (Resources)"]
        prefix = [str(w.render()) for w in dialog.query(".prefix").results(Static)]
        shown = [str(w.render()) for w in dialog.query(".command").results(Static)]
        assert len(prefix) == 1 and prefix[0].startswith("each command runs as: env -u SLURM_CLUSTERS")
        assert shown == ["scancel --verbose 1001", "scancel --verbose '1003_[3-8]'"]
        assert [
            prefix[0].removeprefix("each command runs as: ").removesuffix("COMMAND") + s for s in shown
        ] == dialog.commands
        await pilot.press("n")


async def test_holding_a_running_job_says_a_hold_only_matters_while_pending(make_app) -> None:
    from textual.widgets import Static

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("H")  # the cursor is on 1001, RUNNING
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        notes = str(app.screen.query_one("#notes", Static).render())
        assert "1 of these jobs run already: a hold only keeps a pending job from starting" in notes
        await pilot.press("n")


async def test_after_a_resize_the_cursors_row_stays_in_view(make_app) -> None:
    app = make_app()
    app.workspace.session("alpha").poller.set(snapshot("alpha", big_jobs(300)))
    async with app.run_test(size=SIZE) as pilot:
        t = app.screen.query_one(JobTable)
        t.move_cursor(t.scrollable_content_region.height - 2)  # the last row on screen
        await pilot.pause()
        assert t.scroll_offset.y == 0
        await pilot.resize_terminal(160, 20)
        await pilot.pause()
        screen_row = t.cursor + 1 - t.scroll_offset.y  # line 0 is the header
        assert 1 <= screen_row < t.scrollable_content_region.height
        assert t.cursor_key is not None and t.cursor_key[1] in screen_line(t, screen_row)


async def test_a_query_typed_in_one_burst_after_slash_goes_to_the_filter(make_app) -> None:
    # As a terminal delivers "/jobheld" typed fast or pasted: every key is queued before the
    # filter's input could take the focus. None may act on the queue ("l" log, "s" resubmit...).
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        for key, character in [("slash", "/"), *[(c, c) for c in "jobheld"]]:
            app.post_message(events.Key(key, character))
        await pilot.pause()
        assert app.screen is screen
        assert screen.query_one(QueuePane).filter_input.value == "jobheld"
        await pilot.press("slash", "x")  # in the filter, "/" is text
        assert screen.query_one(QueuePane).filter_input.value == "jobheld/x"
