"""Review finding (s6-review): a tab that is not shown keeps only the LATEST snapshot of each
cluster (QueuePane.show_jobs), so its "recently finished" group is built from what it saw the
last time it was shown. Seen on the lab: a job cancelled at 0:31 showed "CANCELLED 0:31" in the
alpha tab but "CANCELLED 0:16" in the Overview, and three jobs that started and ended while the
Overview was hidden never appeared in its finished group (4 there, 7 in the alpha tab).
The Overview and the cluster tab should tell the same story of how jobs ended."""

from __future__ import annotations

from ui_fakes import NOW, alpha_jobs, job, snapshot

from hpctui.ui.widgets.job_table import JobTable


def finished_lines(t: JobTable) -> list[str]:
    first = t.model.n_active + 2  # the header, the queued rows, the separator
    return [t.render_line(y).text for y in range(first, first + t.model.n_finished)]


def line_of(lines: list[str], job_id: str) -> str | None:
    return next((text for text in lines if f" {job_id} " in text), None)


async def test_the_overview_shows_the_same_ended_jobs_as_the_cluster_tab(make_app) -> None:
    app = make_app(alpha_snapshot=snapshot("alpha", alpha_jobs() + (job("3001", time_used_s=16),)))
    alpha = app.workspace.session("alpha")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("0")  # the overview sees 3001 running at 0:16
        await pilot.pause(0.2)
        await pilot.press("1")  # then the user looks at the alpha tab
        await pilot.pause(0.2)
        last_seen = (job("3001", time_used_s=31, state="COMPLETING"), job("3010", time_used_s=20))
        alpha.poller.set(snapshot("alpha", alpha_jobs() + last_seen, at=NOW + 15))
        await pilot.pause(0.2)
        alpha.poller.set(snapshot("alpha", alpha_jobs(), at=NOW + 30))  # both left the queue
        await pilot.pause(0.2)
        tab_lines = finished_lines(app.screen.query_one("#cluster-alpha JobTable", JobTable))
        tab_3001 = line_of(tab_lines, "3001")
        assert tab_3001 is not None and "0:31 /" in tab_3001
        assert line_of(tab_lines, "3010") is not None

        await pilot.press("0")
        await pilot.pause(0.2)
        overview_lines = finished_lines(app.screen.query_one("#overview JobTable", JobTable))
        overview_3001 = line_of(overview_lines, "3001")
        assert overview_3001 is not None and "0:31 /" in overview_3001, overview_3001  # shows 0:16
        assert line_of(overview_lines, "3010") is not None, overview_lines  # never shown
