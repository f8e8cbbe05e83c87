"""The Tunnels view at 100 columns: an open tunnel's connections and last test stay in view."""

from __future__ import annotations

from textual.widgets import DataTable

from hpctui.services.tunnels import Target, Tunnel
from hpctui.ui.screens.tunnels import TunnelsScreen


async def test_at_100_columns_the_last_test_of_an_open_tunnel_is_in_view(make_app) -> None:
    app = make_app()
    manager = app.workspace.session("alpha").tunnels
    tested = "a1:8888 answers (HTTP 200)"
    manager.tunnels.append(Tunnel("alpha", Target("1001", "a1", "10.0.0.1"), 8888, 42701, problem=tested))
    async with app.run_test(size=(100, 30)) as pilot:
        await app.push_screen(TunnelsScreen({"alpha": manager}))
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        widths = [column.get_render_width(table) for column in table.columns.values()]
        assert sum(widths) <= 100 and widths[-1] >= len(tested)  # the last test, whole, in view
