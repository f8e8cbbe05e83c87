"""The tunnel keys and the Tunnels view, driven as a person would, against the lab: a real HTTP
server in a job, reached through the tunnel the dialog opened."""

from __future__ import annotations

import uuid

import pytest
from test_tui_lab import lab_app, put_cursor_on, wait_for
from textual.widgets import DataTable, Input
from tunnel_helpers import http_get, http_job, port_is_free, wait_serving

from hpctui.ui.dialogs.forward import ForwardDialog
from hpctui.ui.screens.tunnels import TunnelsScreen

pytestmark = pytest.mark.lab


def row_texts(screen: TunnelsScreen) -> list[str]:
    table = screen.query_one(DataTable)
    return [" ".join(str(cell) for cell in table.get_row_at(index)) for index in range(table.row_count)]


async def test_forward_key_opens_a_tunnel_the_view_tests_and_closes_and_quitting_closes_the_rest(lab):
    with http_job(lab, "alpha", uuid.uuid4().hex[:8]) as job:
        async with lab_app(lab) as (app, pilot):
            session = app.workspace.session("alpha")
            await session.link.wait_connected(30)
            await wait_serving(session.link, job)
            table = await put_cursor_on(app, pilot, "alpha", job.job_id)
            session.poller.refresh_now()  # F refuses a row that does not show the job running
            await wait_for(pilot, lambda: (row := table.cursor_row) is not None and row.job.state == "RUNNING")
            await pilot.press("F")
            dialog = await wait_for(pilot, lambda: isinstance(app.screen, ForwardDialog) and app.screen)
            dialog.query_one("#remote", Input).focus()
            await pilot.press(*str(job.port), "enter")
            tunnel = await wait_for(pilot, lambda: session.tunnels.tunnels and session.tunnels.tunnels[0])
            assert await http_get(tunnel.url + "hello.txt") == job.body
            other = await session.tunnels.open(job.job_id, job.port, 0)  # left open: quitting closes it

            await pilot.press("T")
            screen = await wait_for(pilot, lambda: isinstance(app.screen, TunnelsScreen) and app.screen)
            rows = await wait_for(pilot, lambda: len(row_texts(screen)) == 2 and row_texts(screen))
            assert tunnel.url in rows[0] and f"a3:{job.port}" in rows[0] and "open" in rows[0]
            await pilot.press("t")
            await wait_for(pilot, lambda: "answers" in row_texts(screen)[0])
            await pilot.press("d")
            await wait_for(pilot, lambda: len(row_texts(screen)) == 1)
            assert other.url in row_texts(screen)[0]
            assert port_is_free(tunnel.local_port)
            assert not port_is_free(other.local_port)
        assert port_is_free(other.local_port)
