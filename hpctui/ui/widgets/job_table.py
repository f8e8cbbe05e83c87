"""A virtual job table on Textual's Line API.

Only visible lines are rendered; each row's Strip is cached by (job key, finished, outcome,
width, cursor, mark, expanded) and reused while the row still holds the same Job object.
Line 0 is a sticky header; content lines are the model's rows with one separator line
before the "recently finished" group. A refresh keeps the cursor on the same job and that
job on the same screen row (``apply``). The gutter shows marks (●) and whether an array row
is folded (▸) or shows its tasks (▾).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hpctui.slurm.models import Job
from hpctui.ui.columns import SIZERS, ArrayRow, Row, layout, state_category
from hpctui.ui.job_actions import NO_JOB
from hpctui.ui.queue_model import Key, QueueModel
from hpctui.visible import visible

GUTTER = 2  # "●" marks a selected row, "▸"/"▾" a folded/expanded array
CACHE_LIMIT = 2000


def fit(text: str, width: int, right: bool = False) -> str:
    """Pad or cut ``text`` to exactly ``width`` cells, with an ellipsis when cut."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    pad = " " * (width - cell_len(text))
    return pad + text if right else text + pad


class JobTable(ScrollView, can_focus=True, inherit_bindings=False):
    DEFAULT_CSS = """
    JobTable { overflow-x: hidden; }
    """

    COMPONENT_CLASSES = {
        "job-table--header",
        "job-table--cursor",
        "job-table--marked",
        "job-table--finished",
        "job-table--separator",
        "job-table--running",
        "job-table--pending",
        "job-table--transition",
        "job-table--done",
        "job-table--bad",
        "job-table--other",
    }

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="page_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="page_up"),
        Binding("home,g", "first", "First job", show=False, id="first"),
        Binding("end,G", "last", "Last job", show=False, id="last"),
        Binding("space", "toggle_mark", "Select", show=False, id="select"),
        Binding("o", "sort", "Sort", show=False, id="sort"),
        Binding("O", "sort_reverse", "Reverse sort", show=False, id="sort_reverse"),
        Binding("right", "expand", "Expand array", show=False, id="expand"),
        Binding("left", "collapse", "Fold array", show=False, id="collapse"),
    ]

    def __init__(self, model: QueueModel, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.model = model
        self.cursor = 0
        self.cursor_key: Key | None = None
        self.marked: set[Key] = set()
        self._measured: list[int] = []
        self._widths: list[int] = []
        self._widths_for = 0  # the table width ``_widths`` were laid out for
        # (job key, finished, outcome, width, cursor, marked, expanded) -> (the Job drawn, its strip)
        self._cache: dict[tuple[Key, bool, str | None, int, bool, bool, bool], tuple[Job, Strip]] = {}
        self._base_style: Style | None = None

    # ----- data -------------------------------------------------------------------------

    @property
    def cursor_row(self) -> Row | None:
        rows = self.model.rows
        return rows[self.cursor] if 0 <= self.cursor < len(rows) else None

    def row_for_key(self) -> Row | None:
        """The row a row key (mark, expand, fold) acts on; on an empty table it says so."""
        row = self.cursor_row
        if row is None:
            self.notify(NO_JOB, timeout=2, markup=False)
        return row

    def targets(self) -> list[Row]:
        """The marked rows still queued, or else the row under the cursor. A marked array
        stands for its tasks (one scancel of the array id), marked or not."""
        rows = self.model.rows
        marked = [rows[i] for key in self.marked if (i := self.model.index.get(key)) is not None]
        if marked:
            arrays = {row.key for row in marked if isinstance(row, ArrayRow)}
            marked = [row for row in marked if not self._in_marked_array(row, arrays)]
            return sorted(marked, key=lambda r: self.model.index[r.key])
        row = self.cursor_row
        return [row] if row is not None else []

    def _in_marked_array(self, row: Row, arrays: set[Key]) -> bool:
        array = self.model.array_of(row)
        return array is not None and array is not row and array.key in arrays

    def apply(self, change: Callable[[], None]) -> None:
        """Run ``change`` on the model, then keep the cursor's job at its screen row.

        When the cursor's own job leaves the queue, the cursor stays where it was (on the
        job that took its place) rather than following it into the finished group."""
        screen_row = self._row_to_line(self.cursor) - self.scroll_offset.y
        was_active = self.cursor < self.model.n_active
        change()
        rows = self.model.rows
        index = self.model.index.get(self.cursor_key) if self.cursor_key else None
        if index is None or (was_active and index >= self.model.n_active):
            index = max(0, min(self.cursor, self.model.n_active - 1, len(rows) - 1))
        self.cursor = index
        self.cursor_key = rows[self.cursor].key if rows else None
        self.marked = {key for key in self.marked if self._is_active(key)}  # an ended job's mark goes with it
        self._measure()
        self.virtual_size = Size(self.size.width, self._line_count() + 1)
        self.scroll_to(y=self._row_to_line(self.cursor) - screen_row, animate=False, force=True)
        self.refresh()

    # ----- line mapping (content lines exclude the header) -------------------------------

    def _line_count(self) -> int:
        return len(self.model.rows) + (1 if self.model.n_finished else 0)

    def _row_to_line(self, index: int) -> int:
        return index + (1 if index >= self.model.n_active and self.model.n_finished else 0)

    def _line_to_row(self, line: int) -> int | None:
        n_active = self.model.n_active
        if line < n_active or not self.model.n_finished:
            return line
        return None if line == n_active else line - 1

    # ----- cursor -----------------------------------------------------------------------

    def move_cursor(self, index: int) -> None:
        rows = self.model.rows
        if not rows:
            return
        old = self.cursor
        self.cursor = max(0, min(index, len(rows) - 1))
        self.cursor_key = rows[self.cursor].key
        self._refresh_row(old)
        self._refresh_row(self.cursor)
        self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        line = self._row_to_line(self.cursor)
        if line == self.model.n_active + 1 and self.model.n_finished:
            line -= 1  # show the separator with the first finished job
        visible = max(1, self.scrollable_content_region.height - 1)
        top = self.scroll_offset.y
        if line < top:
            self.scroll_to(y=line, animate=False, force=True)
        elif line >= top + visible:
            self.scroll_to(y=line - visible + 1, animate=False, force=True)

    def _refresh_row(self, index: int) -> None:
        self.refresh_line(self._row_to_line(index) + 1)

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor + self._page())

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor - self._page())

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self.model.rows) - 1)

    def _is_active(self, key: Key) -> bool:
        """The job is still queued (not in the finished group, not filtered out)."""
        index = self.model.index.get(key)
        return index is not None and index < self.model.n_active and self.model.rows[index].finished_at is None

    def action_toggle_mark(self) -> None:
        """Mark or unmark the job under the cursor (queued jobs only: an ended one takes no action)."""
        row = self.row_for_key()
        if row is None:
            return
        if self._is_active(row.key):
            self.marked ^= {row.key}
            self._refresh_row(self.cursor)
        self.move_cursor(self.cursor + 1)

    def clear_marks(self) -> bool:
        """Unmark every job; True when there were marks."""
        had = bool(self.marked)
        self.marked.clear()
        self._cache.clear()
        self.refresh()
        return had

    def action_sort(self) -> None:
        """Sort by the next column on screen (hidden ones are skipped)."""
        widths = self._column_widths(self.scrollable_content_region.width)
        shown = {i for i, width in enumerate(widths) if width}
        self.apply(lambda: self.model.cycle_sort(shown))

    def toggle_array(self) -> bool:
        """Fold or unfold the array under the cursor (or whose task it is); False when none."""
        row = self.cursor_row
        array = self.model.array_of(row) if row is not None else None
        if array is None:
            return False
        self.cursor_key = array.key  # folding: the cursor goes to the array's row
        self.apply(lambda: self.model.toggle_expanded(array.key))
        return True

    def action_expand(self) -> None:
        row = self.row_for_key()
        if isinstance(row, ArrayRow) and row.key not in self.model.expanded:
            self.toggle_array()

    def action_collapse(self) -> None:
        row = self.row_for_key()
        array = self.model.array_of(row) if row is not None else None
        if array is not None and array.key in self.model.expanded:
            self.toggle_array()

    def action_sort_reverse(self) -> None:
        self.apply(self.model.reverse_sort)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            index = self._line_to_row(self.scroll_offset.y + event.y - 1)
            if index is not None and index < len(self.model.rows):
                self.move_cursor(index)

    # ----- layout -----------------------------------------------------------------------

    def _measure(self) -> None:
        """Each column's width for the rows: its values' (capped), never narrower than its
        title and a sort arrow; 0 for an optional column no row has a value in."""
        rows = self.model.rows
        measured = []
        for col in self.model.columns:
            if col.optional and not any(map(col.cell, rows)):
                measured.append(0)
                continue
            width = max(col.width, cell_len(col.title) + 2)
            if col.key in SIZERS and rows:
                width = max(width, min(col.max_width, SIZERS[col.key](rows, self.model.n_active)))
            elif col.measure is not None and rows:
                width = max(width, min(col.max_width, max(map(len, map(col.measure, rows)))))
            measured.append(width)
        if measured != self._measured:
            self._measured = measured
            self._widths = []
            self._cache.clear()

    def _column_widths(self, total: int) -> list[int]:
        """The measured widths fitted to ``total`` cells (0: the column is not shown)."""
        if not self._widths or self._widths_for != total:
            if not self._measured:
                self._measure()
            self._widths = layout(self.model.columns, self._measured, total - GUTTER)
            self._widths_for = total
        return self._widths

    def on_resize(self, event: events.Resize) -> None:
        """New widths, and the cursor's row kept in view (a shorter table may hide it)."""
        self._widths = []
        self._cache.clear()
        self.virtual_size = Size(event.size.width, self._line_count() + 1)
        self.call_after_refresh(self._scroll_to_cursor)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        self._base_style = None

    @property
    def base_style(self) -> Style:
        """The widget's own style (``rich_style`` walks the ancestors: keep it)."""
        if self._base_style is None:
            self._base_style = self.rich_style
        return self._base_style

    # ----- rendering --------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if y == 0:
            return self._header_strip(width)
        line = self.scroll_offset.y + y - 1
        if line >= self._line_count():
            return Strip.blank(width, self.base_style)
        index = self._line_to_row(line)
        if index is None:
            return self._separator_strip(width)
        row = self.model.rows[index]
        cursor, marked = index == self.cursor, row.key in self.marked
        key = (row.key, row.finished_at is not None, row.outcome, width, cursor, marked, row.key in self.model.expanded)
        cached = self._cache.get(key)
        if cached is not None and cached[0] is row.job:
            return cached[1]
        if len(self._cache) > CACHE_LIMIT:
            self._cache.clear()
        strip = self._row_strip(row, width, cursor, marked)
        self._cache[key] = (row.job, strip)
        return strip

    def _row_style(self, row: Row, cursor: bool, marked: bool) -> Style:
        style = self.base_style
        if row.finished_at is not None:
            style += self.get_component_rich_style("job-table--finished", partial=True)
        if marked:
            style += self.get_component_rich_style("job-table--marked", partial=True)
        if cursor:
            style += self.get_component_rich_style("job-table--cursor", partial=True)
        return style

    def _row_strip(self, row: Row, width: int, cursor: bool, marked: bool) -> Strip:
        style = self._row_style(row, cursor, marked)
        segments = [Segment(("●" if marked else " ") + self._fold_mark(row), style)]
        for col, col_width in zip(self.model.columns, self._column_widths(width), strict=False):
            if not col_width:
                continue
            text = fit(visible(col.cell(row)), col_width, col.align_right) + " "
            cell_style = style
            if col.key == "state" and row.finished_at is None and not isinstance(row, ArrayRow):
                category = state_category(row.job.state)
                cell_style = style + self.get_component_rich_style(f"job-table--{category}", partial=True)
            segments.append(Segment(text, cell_style))
        return Strip(segments).adjust_cell_length(width, style)

    def _fold_mark(self, row: Row) -> str:
        if not isinstance(row, ArrayRow):
            return " "
        return "▾" if row.key in self.model.expanded else "▸"

    def _header_strip(self, width: int) -> Strip:
        style = self.base_style + self.get_component_rich_style("job-table--header", partial=True)
        model = self.model
        parts = ["  "]
        for i, (col, col_width) in enumerate(zip(model.columns, self._column_widths(width), strict=False)):
            if not col_width:
                continue
            if i == model.sort_index:  # the arrow stays whole: the title gives up cells first
                arrow = " ▼" if model.sort_reverse else " ▲"
                parts.append(fit(fit(col.title, col_width - 2).rstrip() + arrow, col_width, col.align_right) + " ")
            else:
                parts.append(fit(col.title, col_width, col.align_right) + " ")
        return Strip([Segment("".join(parts), style)]).adjust_cell_length(width, style)

    def _separator_strip(self, width: int) -> Strip:
        style = self.base_style + self.get_component_rich_style("job-table--separator", partial=True)
        minutes = int(self.model.keep_finished_s // 60)
        finished = self.model.finished_counts  # jobs and array tasks
        counts = ", ".join(f"{n} {state.lower()}" for state, n in finished.most_common())
        text = f"── recently finished, last {minutes} min: {finished.total()} ({counts}) "
        return Strip([Segment(set_cell_size(text + "─" * width, width), style)])
