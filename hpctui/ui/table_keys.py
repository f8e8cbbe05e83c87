"""j k g G (and Home End) in the screens built on one DataTable (help, post-mortem, audit,
notifications, tunnels), as in every list of hpctui: the screen forwards them to its table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from textual.binding import Binding
from textual.widgets import DataTable

if TYPE_CHECKING:
    from textual.dom import DOMNode

# escape and q close a view pushed over the tabs (post-mortem, audit, resubmit, ...).
CLOSE_KEYS = [
    Binding("escape", "app.pop_screen", "Back", id="back"),
    Binding("q", "app.pop_screen", "Close", show=False, id="close_view"),
]

TABLE_KEYS = [
    Binding("j", "table('cursor_down')", "Down", show=False, id="down"),
    Binding("k", "table('cursor_up')", "Up", show=False, id="up"),
    # Before the table's own home/end (which scroll sideways): first and last row, as in the queue.
    Binding("home,g", "table('scroll_top')", "Top", show=False, id="first", priority=True),
    Binding("end,G", "table('scroll_bottom')", "Bottom", show=False, id="last", priority=True),
]


def refill(table: DataTable[Any], rows: Iterable[tuple[Sequence[object], str | None]]) -> None:
    """Replace the rows (cells, key) of a short table, the cursor kept on its line (or the last)."""
    row = table.cursor_row
    table.clear()
    for cells, key in rows:
        table.add_row(*cells, key=key)
    if table.row_count:
        table.move_cursor(row=min(row, table.row_count - 1))


def set_columns(table: DataTable[Any], widths: Mapping[str, int]) -> bool:
    """Give ``table`` exactly these columns (title and key: width, in order). True when that
    changed them: the rows must then be added again (a DataTable cannot hide a column)."""
    if dict(widths) == {str(key.value): column.width for key, column in table.columns.items()}:
        return False
    table.clear(columns=True)
    for name, width in widths.items():
        table.add_column(name, width=width, key=name)
    return True


class TableKeys:
    """Mixin for a Screen whose list is its one DataTable."""

    async def action_table(self, action: str) -> None:
        screen = cast("DOMNode", self)
        await screen.query_one(DataTable).run_action(action)
