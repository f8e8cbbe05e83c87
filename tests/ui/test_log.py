"""LogScreen on the app: files tailed over a real ClusterLink to an in-process SSH server
(tests/sshserver.py); the rest of the workspace is the UI tests' deterministic data."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import ui_fakes
from tail_helpers import link, served, server  # noqa: F401 (fixtures)
from textual import events
from textual.widgets import Input, Static

from hpctui.services.jobinfo import JobDetails
from hpctui.services.logtail import TRUNCATED_TEXT
from hpctui.slurm.errors import SlurmError
from hpctui.ssh.link import ClusterLink
from hpctui.ui.app import HpcApp, MainScreen
from hpctui.ui.job_actions import JobActions
from hpctui.ui.screens.log import LogScreen, open_logs
from hpctui.ui.widgets.log_view import LogView
from hpctui.ui.widgets.metrics_chart import MetricsChart

SIZE = (120, 40)


class Logs:
    """Job 1001's stdout and stderr files, and an app whose alpha session reaches them."""

    def __init__(self, directory: Path, link: ClusterLink, **config) -> None:
        self.stdout = directory / "train 1001.out"
        self.stderr = directory / "train 1001.err"
        self.workspace = ui_fakes.workspace(**config)
        self.session = self.workspace.session("alpha")
        self.session.link = link
        self.session.details["1001"] = JobDetails(
            "alpha", "1001", {"StdOut": str(self.stdout), "StdErr": str(self.stderr), "WorkDir": str(directory)}
        )
        self.app = HpcApp(self.workspace.config, self.workspace, clock=lambda: ui_fakes.NOW)

    def append(self, text: str, stream: str = "stdout") -> None:
        with (self.stdout if stream == "stdout" else self.stderr).open("a") as out:
            out.write(text)


@pytest.fixture
def logs(tmp_path, link) -> Logs:
    return Logs(tmp_path, link)


async def until(pilot, predicate, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await pilot.pause(0.05)


async def settled(pilot, view: LogView, total: int) -> None:
    """Wait until the view shows ``total`` lines and, when following, sits at the end."""
    await until(
        pilot,
        lambda: (
            view.ring.total == total
            and view.virtual_size.height == len(view.ring)
            and (not view.follow or view.scroll_y == view.max_scroll_y)
        ),
    )


def shown(view: LogView) -> list[str]:
    """The text of the visible rows (trailing blanks dropped)."""
    rows = [view.render_line(y).text.rstrip() for y in range(view.scrollable_content_region.height)]
    while rows and not rows[-1]:
        rows.pop()
    return rows


def numbered(first: int, last: int) -> str:
    return "".join(f"line {n}\n" for n in range(first, last + 1))


async def open_log(pilot, logs: Logs, stream: str = "stdout") -> LogScreen:
    logs.app.post_message(JobActions.LogRequested(logs.session, "1001", stream))
    await until(pilot, lambda: isinstance(logs.app.screen, LogScreen) and logs.app.screen.tail is not None)
    return logs.app.screen


async def open_settled(pilot, logs: Logs, lines: int) -> tuple[LogScreen, LogView]:
    """The log screen and its view, once the view shows ``lines`` lines."""
    screen = await open_log(pilot, logs)
    view = screen.query_one(LogView)
    await settled(pilot, view, lines)
    return screen, view


async def test_l_opens_the_log_and_new_lines_appear_at_the_bottom(logs: Logs) -> None:
    logs.stdout.write_text(numbered(1, 100))
    async with logs.app.run_test(size=SIZE) as pilot:
        await pilot.press("l")  # the cursor is on job 1001
        await until(pilot, lambda: isinstance(logs.app.screen, LogScreen) and logs.app.screen.tail is not None)
        screen = logs.app.screen
        view = screen.query_one(LogView)
        await settled(pilot, view, 100)
        assert str(logs.stdout) in str(screen.query_one("#log-title").render())
        logs.append(numbered(101, 105))
        await settled(pilot, view, 105)
        await pilot.pause()
        assert view.follow and shown(view)[-1] == "line 105"
        assert shown(view) == [f"line {n}" for n in range(106 - len(shown(view)), 106)]


@pytest.mark.parametrize(("ring", "dropped"), [(100_000, 0), (300, 100)])
async def test_scrolling_up_keeps_the_text_in_place_until_G(tmp_path, link, ring: int, dropped: int) -> None:
    logs = Logs(tmp_path, link, log_ring=ring)
    logs.stdout.write_text(numbered(1, 300))
    async with logs.app.run_test(size=SIZE) as pilot:
        screen, view = await open_settled(pilot, logs, 300)
        await pilot.press("pageup")
        await pilot.pause()
        assert not view.follow
        before = shown(view)
        logs.append(numbered(301, 400))
        await settled(pilot, view, 400)
        await pilot.pause()
        assert shown(view) == before  # the text under the user's eyes stays put
        assert view.ring.first == dropped and len(view.ring) == 400 - dropped
        status = str(screen.query_one("#log-status").render())
        assert "scrolled" in status and "following" not in status  # one state, not two
        await pilot.press("G")
        await pilot.pause()
        assert view.follow and shown(view)[-1] == "line 400"


async def test_search_next_and_previous(logs: Logs) -> None:
    logs.stdout.write_text(numbered(1, 50) + "Needle one\n" + numbered(52, 120) + "needle two\n" + numbered(122, 200))
    async with logs.app.run_test(size=SIZE) as pilot:
        screen, view = await open_settled(pilot, logs, 200)
        await pilot.press("slash", *"needle", "enter")
        await pilot.pause()
        # from the screen top (following: near the end) forward, wrapping around
        first = view.current
        assert view.ring.line(first).lower().startswith("needle") and not view.follow
        await pilot.press("n")
        assert view.current != first and view.ring.line(view.current).lower().startswith("needle")
        await pilot.press("N")
        assert view.current == first
        assert any(row.lower().startswith("needle") for row in shown(view))
        await pilot.press("slash", *"Needle", "enter")  # a capital makes it case-sensitive
        await pilot.pause()
        assert view.ring.line(view.current) == "Needle one"
        await pilot.press("n")
        assert view.ring.line(view.current) == "Needle one"


async def test_a_search_typed_in_one_burst_after_slash_goes_to_the_search_box(logs: Logs) -> None:
    # As a terminal delivers "/needle<enter>" typed fast: every key is queued before the search box
    # could take the focus. None may act on the log ("e" switches the stream, "n" finds the next).
    logs.stdout.write_text(numbered(1, 50) + "needle one\n" + numbered(52, 200))
    async with logs.app.run_test(size=SIZE) as pilot:
        screen, view = await open_settled(pilot, logs, 200)
        for key, character in [("slash", "/"), *[(c, c) for c in "needle"], ("enter", "\r")]:
            logs.app.post_message(events.Key(key, character))
        await pilot.pause()
        assert screen.stream == "stdout" and view.search_text == "needle"
        assert view.ring.line(view.current) == "needle one"  # from the screen top (the end) on, wrapping
        await pilot.press("slash", "a", "slash")  # in the search box, "/" is text
        assert screen.query_one("#log-search", Input).value.endswith("a/")


async def test_error_lines_show_the_field_notes_hint(logs: Logs) -> None:
    logs.stdout.write_text("starting\nTraceback (most recent call last):\nRuntimeError: No HIP GPUs are available\n")
    async with logs.app.run_test(size=SIZE) as pilot:
        screen = await open_log(pilot, logs)
        await until(pilot, lambda: screen.query_one("#log-hint").has_class("-shown"))
        hint = str(screen.query_one("#log-hint").render())
        assert "line 3" in hint and "-B /opt/cray/libfabric" in hint


async def test_chart_shows_the_values_the_job_printed(logs: Logs) -> None:
    losses = [0.9, 0.5, 0.7, 0.3, 0.4]
    logs.stdout.write_text(
        "".join(f"epoch {e + 1}/10 step {100 * (e + 1)} loss={v} acc={10 * e}\n" for e, v in enumerate(losses))
    )
    async with logs.app.run_test(size=SIZE) as pilot:
        screen = await open_log(pilot, logs)
        await until(pilot, lambda: "loss" in screen.parser.series)
        await pilot.press("m")
        chart = screen.query_one(MetricsChart)
        await until(pilot, lambda: chart.plotted() == ["loss", "acc"])
        series = screen.parser.series["loss"]
        assert series.xy() == ([100.0, 200.0, 300.0, 400.0, 500.0], losses)
        summary = str(chart.query_one("#metrics-summary").render())
        assert f"loss {losses[-1]}  best {min(losses)}" in summary and "epoch 5/10" in summary
        await pilot.press("m")
        assert not chart.display


async def test_hiding_the_chart_keeps_the_log_following_the_end(logs: Logs) -> None:
    """The view grows back, Textual pulls scroll_y down to the new end: not a scroll up (seen
    on the lab: "scrolled (G: follow)" on step 533 while the file grew to 545 lines)."""
    logs.stdout.write_text("".join(f"step {n} loss={1 / n}\n" for n in range(1, 301)))
    async with logs.app.run_test(size=SIZE) as pilot:
        screen, view = await open_settled(pilot, logs, 300)
        await until(pilot, lambda: "loss" in screen.parser.series)
        await pilot.press("m")  # chart on: the view gets shorter and still shows the end
        chart = screen.query_one(MetricsChart)
        await until(pilot, lambda: chart.plotted() == ["loss"])
        await pilot.pause()
        assert view.follow and shown(view)[-1].startswith("step 300 ")
        logs.append(numbered(301, 302))  # the job goes on printing under the chart
        await settled(pilot, view, 302)
        await pilot.pause(0.3)
        await pilot.press("m")  # chart off: the view gets taller again
        await pilot.pause(0.3)
        assert view.follow, "hiding the chart stopped following the end"
        logs.append(numbered(303, 310))
        await settled(pilot, view, 310)
        await pilot.pause()
        assert shown(view)[-1] == "line 310"


async def test_a_taller_terminal_keeps_following_and_a_scroll_up_still_stops_it(logs: Logs) -> None:
    logs.stdout.write_text(numbered(1, 300))
    async with logs.app.run_test(size=SIZE) as pilot:
        screen, view = await open_settled(pilot, logs, 300)
        await pilot.resize_terminal(SIZE[0], SIZE[1] + 15)
        await pilot.pause(0.3)
        assert view.follow and shown(view)[-1] == "line 300"
        await pilot.press("k")  # one line up: the user's scroll
        assert not view.follow
        logs.append(numbered(301, 305))
        await settled(pilot, view, 305)
        await pilot.pause()
        assert shown(view)[-1] == "line 299"


def screen_text(screen) -> str:
    view = screen.query_one(LogView)
    rows = [view.render_line(y).text for y in range(view.scrollable_content_region.height)]
    statics = [str(s.render()) for s in screen.query(Static)]
    return "\n".join(rows + statics)


async def test_the_progress_bar_of_an_unfinished_line_is_shown(logs: Logs) -> None:
    """A tqdm bar ("\\r" updates, no newline until the epoch ends) is the view's last row, as
    ``tail -f`` shows it (seen on the lab: the view showed only "start" for 30 s)."""
    logs.stdout.write_text("start\n")
    async with logs.app.run_test(size=SIZE) as pilot:
        screen, view = await open_settled(pilot, logs, 1)
        logs.append("\r 10%|#         | 10/100\r 40%|####      | 40/100")
        await until(pilot, lambda: screen.tail.partial.endswith("40/100"))
        await pilot.pause(0.3)
        assert "40/100" in screen_text(screen)
        assert shown(view) == ["start", " 40%|####      | 40/100"]  # the last \r segment only
        logs.append("\r 70%|#######   | 70\x1b[A/100")  # replaced as it changes; escapes made visible
        await until(pilot, lambda: shown(view)[-1] == " 70%|#######   | 70␛[A/100")
        logs.append("\r100%|##########| 100/100\nepoch 2\n")  # its newline: a line like the others
        await settled(pilot, view, 3)
        await pilot.pause()
        assert shown(view) == ["start", "100%|##########| 100/100", "epoch 2"] and list(view.ring) == shown(view)


async def test_e_switches_to_stderr_and_back(logs: Logs) -> None:
    logs.stdout.write_text("out line\n")
    logs.stderr.write_text("err line\n")
    async with logs.app.run_test(size=SIZE) as pilot:
        screen = await open_log(pilot, logs)
        view = screen.query_one(LogView)
        await until(pilot, lambda: shown(view) == ["out line"])
        await pilot.press("e")
        await until(pilot, lambda: shown(view) == ["err line"])
        assert " stderr " in str(screen.query_one("#log-title").render())
        await pilot.press("e")
        await until(pilot, lambda: shown(view) == ["out line"])


async def test_truncation_is_shown_in_the_view(logs: Logs) -> None:
    logs.stdout.write_text(numbered(1, 3))
    async with logs.app.run_test(size=SIZE) as pilot:
        screen, view = await open_settled(pilot, logs, 3)
        logs.stdout.write_text("again\n")
        await settled(pilot, view, 5)
        await pilot.pause()
        assert shown(view)[-2:] == [TRUNCATED_TEXT, "again"]


async def test_esc_closes_the_log_and_its_channel(logs: Logs, server) -> None:
    logs.stdout.write_text("x\n")
    async with logs.app.run_test(size=SIZE) as pilot:
        await open_log(pilot, logs)
        await until(pilot, lambda: server.sessions_open == 1)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(logs.app.screen, MainScreen))
        await until(pilot, lambda: server.sessions_open == 0)
        assert open_logs(logs.app) == []


async def test_background_logs_keep_following_and_tab_switches(logs: Logs, server) -> None:
    logs.stdout.write_text("out 1\n")
    logs.stderr.write_text("err 1\n")
    async with logs.app.run_test(size=SIZE) as pilot:
        first = await open_log(pilot, logs, "stdout")
        await pilot.press("b")
        await until(pilot, lambda: isinstance(logs.app.screen, MainScreen))
        logs.append("out 2\n")
        await until(pilot, lambda: first.tail.lines.total == 2)  # still following off screen
        logs.session.details["1002"] = JobDetails("alpha", "1002", {"StdOut": str(logs.stderr)})
        logs.app.post_message(JobActions.LogRequested(logs.session, "1002", "stdout"))
        await until(pilot, lambda: isinstance(logs.app.screen, LogScreen) and logs.app.screen is not first)
        second = logs.app.screen
        await pilot.press("tab")
        await until(pilot, lambda: logs.app.screen is first)
        assert shown(first.query_one(LogView)) == ["out 1", "out 2"]
        await pilot.press("tab")
        await until(pilot, lambda: logs.app.screen is second)
        assert server.sessions_open == 2
        await pilot.press("b")
        await until(pilot, lambda: isinstance(logs.app.screen, MainScreen))
        logs.app.post_message(
            JobActions.LogRequested(logs.session, "1001", "stdout")
        )  # already open: shown again, not opened twice
        await until(pilot, lambda: logs.app.screen is first)
        assert open_logs(logs.app) == [first, second] and server.sessions_open == 2
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(logs.app.screen, MainScreen) and server.sessions_open == 1)
        assert open_logs(logs.app) == [second]


async def test_scontrol_failure_is_shown(logs: Logs) -> None:
    logs.session.details["4242"] = SlurmError("slurm_load_jobs error: Socket timed out on send/recv operation")
    async with logs.app.run_test(size=SIZE) as pilot:
        logs.app.post_message(JobActions.LogRequested(logs.session, "4242", "stdout"))
        await until(pilot, lambda: isinstance(logs.app.screen, LogScreen) and logs.app.screen.error is not None)
        await pilot.pause(0.6)  # the status line refreshes twice a second
        status = str(logs.app.screen.query_one("#log-status").render())
        assert status == "scontrol show job 4242: slurm_load_jobs error: Socket timed out on send/recv operation"


async def test_a_job_scontrol_forgot_opens_with_the_paths_squeue_showed(logs: Logs) -> None:
    logs.stdout.write_text("finished long ago\n")
    logs.session.details["1001"] = SlurmError("slurm_load_jobs error: Invalid job id specified")
    logs.session.poller.set(ui_fakes.snapshot("alpha", (ui_fakes.job("1001", stdout_pattern=str(logs.stdout)),)))
    async with logs.app.run_test(size=SIZE) as pilot:
        screen = await open_log(pilot, logs)
        await settled(pilot, screen.query_one(LogView), 1)
        assert shown(screen.query_one(LogView)) == ["finished long ago"] and screen.error is None


async def test_q_closes_the_log_as_in_less_and_the_app_goes_on(logs: Logs) -> None:
    logs.stdout.write_text(numbered(1, 10))
    async with logs.app.run_test(size=SIZE) as pilot:
        await open_log(pilot, logs)
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(logs.app.screen, LogScreen)
        assert logs.app.is_running


async def test_a_one_line_log_counts_one_line(logs: Logs) -> None:
    logs.stdout.write_text("the only line\n")
    async with logs.app.run_test(size=SIZE) as pilot:
        screen = await open_log(pilot, logs)
        await settled(pilot, screen.query_one(LogView), 1)
        await pilot.pause(0.6)  # the status line refreshes twice a second
        assert str(screen.query_one("#log-status").render()).startswith("1 line  ·  byte 14")
