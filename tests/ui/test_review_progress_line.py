"""Review finding (s6-review): a progress bar (tqdm: "\\r" updates, no newline until the
epoch ends) is invisible in the log view. LogTail keeps it (``LogTail.partial``: "progress
bars live here") but nothing on screen shows it. Seen on the lab: for 30 s the view said
"1 line · byte 1,338" and showed only "start" while the job printed " 40%|####  | 30/100";
`tail -f` shows the bar as it moves."""

from __future__ import annotations

from tail_helpers import link, served, server  # noqa: F401 (fixtures)
from test_log import Logs, open_log, settled, until
from textual.widgets import Static

from hpctui.ui.widgets.log_view import LogView


def screen_text(screen) -> str:
    view = screen.query_one(LogView)
    rows = [view.render_line(y).text for y in range(view.scrollable_content_region.height)]
    statics = [str(s.render()) for s in screen.query(Static)]
    return "\n".join(rows + statics)


async def test_the_progress_bar_of_an_unfinished_line_is_shown(tmp_path, link) -> None:
    logs = Logs(tmp_path, link)
    logs.stdout.write_text("start\n")
    async with logs.app.run_test(size=(120, 40)) as pilot:
        screen = await open_log(pilot, logs)
        view = screen.query_one(LogView)
        await settled(pilot, view, 1)
        logs.append("\r 10%|#         | 10/100\r 40%|####      | 40/100")
        await until(pilot, lambda: screen.tail.partial.endswith("40/100"))
        await pilot.pause(0.3)
        assert "40/100" in screen_text(screen)
