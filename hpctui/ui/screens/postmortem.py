"""Post-mortem: the cluster's jobs of the last N days from sacct, steps folded under their job,
failures highlighted with one line of advice. The table is keyed by job id and updated in place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.widgets.data_table import RowDoesNotExist

from hpctui.format import duration, plural, time_limit
from hpctui.services.postmortem import PostMortem, PostMortemRow, advice_head, merge, tally
from hpctui.slurm.efficiency import EfficiencyIndex
from hpctui.slurm.errors import SlurmProblem
from hpctui.slurm.livecmd import STEP_NAME as LIVE_STEP_NAME
from hpctui.slurm.models import ENDED_STATES, AccountingStep, Snapshot
from hpctui.slurm.units import slurm_size
from hpctui.ssh.types import LinkError
from hpctui.ui.columns import FitColumn, fitted
from hpctui.ui.flows import when_connected
from hpctui.ui.job_actions import JobActions
from hpctui.ui.table_keys import CLOSE_KEYS, TABLE_KEYS, TableKeys, set_columns
from hpctui.ui.themes import state_style
from hpctui.ui.widgets.efficiency_panel import EfficiencyPanel
from hpctui.ui.workers import run_guarded
from hpctui.visible import visible

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession


NAME_MIN = 12
# The JobID column is as wide as its longest job or step id, up to ID_MAX; a narrow screen
# cuts it (with an ellipsis) down to ID_MIN only once the other columns gave up their cells.
ID_MIN = 14
ID_MAX = 32
JOB_MARKS = ("▸ ", "▾ ", "  ")  # before a job id: its steps folded, unfolded, no steps
STEP_MARK = " └ "
ADVICE_MIN = 16  # the advice column needs this much (the bar below says it all)
# Names are cut so the figures stay in view; the advice takes what is left.
FIT_COLUMNS = (
    FitColumn("JobID", ID_MIN, min_width=ID_MIN),
    FitColumn("JobName", 24, min_width=NAME_MIN, flex=True, max_width=24),
    FitColumn("Partition", 10),
    FitColumn("Elapsed", 10),
    FitColumn("Timelimit", 11),
    FitColumn("MaxRSS", 8),
    FitColumn("MaxVMSize", 9),
    FitColumn("State", 20),
    FitColumn("ExitCode", 8),
    FitColumn("Advice", ADVICE_MIN, flex=True, max_width=60),
)
COLUMNS = tuple(column.key for column in FIT_COLUMNS)
# A narrow screen drops columns in this order, the name giving up cells before the advice
# goes (the job id, name and state always stay); the name takes back what a drop left.
FIT_STEPS = (
    ("drop", "MaxVMSize"),
    ("drop", "Timelimit"),
    ("drop", "Partition"),
    ("drop", "MaxRSS"),
    ("shrink", "JobName"),
    ("drop", "Advice"),
    ("shrink", "JobID"),
    ("drop", "Elapsed"),
    ("drop", "ExitCode"),
)
DEFAULT_DAYS = 7


def fitted_widths(total: int, id_width: int = ID_MIN) -> dict[str, int]:
    """The columns shown in ``total`` cells and their widths, in ``COLUMNS`` order, the job
    ids taking ``id_width`` cells where there is room."""
    columns = (replace(FIT_COLUMNS[0], width=id_width), *FIT_COLUMNS[1:])
    return fitted(columns, FIT_STEPS, total)


def id_width(rows: Iterable[PostMortemRow]) -> int:
    """Cells of the longest id the JobID column may show, folded or not (so unfolding a job
    never changes the layout), between ID_MIN and ID_MAX."""
    rows = list(rows)
    ids = [JOB_MARKS[0] + row.job_id for row in rows]
    ids += [STEP_MARK + step.step_id for row in rows for step in row.record.steps]
    return max(ID_MIN, min(max(map(len, ids), default=0), ID_MAX))


class PostMortemScreen(TableKeys, Screen[None]):
    DEFAULT_CSS = """
    PostMortemScreen #title { height: auto; padding: 0 1; text-style: bold; background: $panel; }
    PostMortemScreen DataTable { height: 1fr; }
    PostMortemScreen #advice { height: auto; min-height: 1; padding: 0 1; background: $boost; }
    """
    BINDINGS = [
        *CLOSE_KEYS,
        *TABLE_KEYS,
        # priority: before the table's own enter ("Select"), so ? lists what enter does here
        Binding("enter", "toggle_steps", "Steps", id="details", priority=True),
        Binding("r", "reload", "Reload", id="refresh"),
        Binding("l", "log('stdout')", "Log", id="log"),
        Binding("e", "log('stderr')", "Stderr", show=False, id="log_stderr"),
        Binding("s", "resubmit", "Resubmit", id="resubmit"),
        Binding("plus", "days(1)", "+1 day", show=False, id="days_more"),
        Binding("minus", "days(-1)", "-1 day", show=False, id="days_fewer"),
        Binding("f", "failures_only", "Failures only", id="failures_only"),
    ]

    def __init__(self, session: ClusterSession, days: int = DEFAULT_DAYS, job_id: str | None = None) -> None:
        super().__init__()
        self.session = session
        self.days = days
        self.opened_on = job_id  # the cursor goes to its row once sacct has answered
        self.loaded = False  # sacct has answered
        self.postmortem = PostMortem(session.link, session.cluster.name, session.cluster.queue_user)
        self.rows: dict[str, PostMortemRow] = {}  # by job id, in sacct order
        self.efficiencies = EfficiencyIndex(())  # of the rows' records
        self.expanded: set[str] = set()
        self.failures_only = False
        self._unsubscribe = lambda: None

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Static(id="advice")
        yield EfficiencyPanel()
        yield Footer(compact=True)

    def on_resize(self) -> None:
        self._render_rows()

    def on_mount(self) -> None:
        self._title("loading …")
        self._unsubscribe = self.session.poller.subscribe(self._on_snapshot)
        self.action_reload()

    def on_unmount(self) -> None:
        self._unsubscribe()

    def _title(self, status: str) -> None:
        only = " · failures only" if self.failures_only else ""
        text = f"Post-mortem · {self.session.cluster.name} · last {plural(self.days, 'day')}{only} · {status}"
        self.query_one("#title", Static).update(Text(text))

    def action_reload(self) -> None:
        run_guarded(self, self._load(), "post-mortem", exclusive=True)

    async def _load(self) -> None:
        try:
            if (down := await when_connected(self.session)) is not None:
                raise LinkError(down)
            rows = await self.postmortem.fetch(self.days, self.session.poller.latest)
        except (SlurmProblem, LinkError) as exc:
            self._title("failed")
            self.notify(str(exc), title="sacct", severity="error", timeout=15, markup=False)
            return
        self.loaded = True
        self._keep(rows)
        self._render_rows()
        self._title(tally(rows))

    def _on_snapshot(self, snapshot: Snapshot) -> None:
        """Jobs the controller has and accounting not yet: shown as "from squeue"."""
        sacct_rows = [row.record for row in self.rows.values() if row.source == "sacct"]
        self._keep(merge(sacct_rows, snapshot))
        self._render_rows()

    def _keep(self, rows: list[PostMortemRow]) -> None:
        self.rows = {row.job_id: row for row in rows}
        self.efficiencies = EfficiencyIndex(row.record for row in self.rows.values())

    # ----- the table, updated in place --------------------------------------------------

    def _wanted(self) -> list[tuple[str, list[Text]]]:
        wanted: list[tuple[str, list[Text]]] = []
        for job_id, row in reversed(self.rows.items()):  # newest first
            if self.failures_only and not row.advice:
                continue
            wanted.append((job_id, job_cells(row, job_id in self.expanded, self.app.theme_variables)))
            if job_id in self.expanded:
                wanted += [(step.step_id, step_cells(step, self.app.theme_variables)) for step in row.record.steps]
        return wanted

    def _render_rows(self) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        if not self.size.width:
            return  # laid out on the first resize
        # Columns for the width and the longest id; a change clears the table (a DataTable
        # cannot hide a column or change a width), so every row is added again below.
        set_columns(table, fitted_widths(self.size.width, id_width(self.rows.values())))
        shown = [i for i, name in enumerate(COLUMNS) if name in table.columns]
        wanted = self._wanted()
        keys = {key for key, _ in wanted}
        for row_key in [k for k in table.rows if k.value not in keys]:
            table.remove_row(row_key)
        for key, all_cells in wanted:
            cells = [all_cells[i] for i in shown]
            if key in table.rows:
                for i, cell in zip(shown, cells, strict=True):
                    table.update_cell(key, COLUMNS[i], cell)
            else:
                table.add_row(*cells, key=key)
        order = {key: index for index, (key, _) in enumerate(wanted)}
        table.sort("JobID", key=lambda job_cell: order.get(job_cell.plain.strip("▸▾ └"), len(order)))
        self._cursor_to_opened_on(table)
        self._show_advice()

    def _cursor_to_opened_on(self, table: DataTable[Text]) -> None:
        """Once sacct has answered (and the columns are laid out), the cursor goes to the job
        the post-mortem was opened on, if it is there (an array's top task row); only then."""
        if self.opened_on is None or not self.loaded:
            return
        job_id, self.opened_on = self.opened_on, None
        keys = [row.key.value for row in table.ordered_rows]
        at = next((i for i, key in enumerate(keys) if key == job_id or (key or "").startswith(f"{job_id}_")), None)
        if at is not None:
            table.move_cursor(row=at)

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._show_advice()

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        """A click on the highlighted row (enter is the screen's own binding)."""
        self.action_toggle_steps()

    def _show_advice(self) -> None:
        row = self._current()
        self._show_efficiency(row)
        advice = self.query_one("#advice", Static)
        if row is None:
            advice.update("")
            return
        source = " (from squeue: accounting has not caught up yet)" if row.source == "squeue" else ""
        text = Text(
            f"{row.job_id} {visible(row.record.state_detail)}{source}",
            style=state_style(self.app.theme_variables, row.record.state),
        )
        if row.advice:
            text.append(f"  {row.advice}", style="")
        advice.update(text)

    def _show_efficiency(self, row: PostMortemRow | None) -> None:
        panel = self.query_one(EfficiencyPanel)
        if row is None or row.record.state not in ENDED_STATES:
            panel.show()
            return
        panel.show(self.efficiencies.entry(row.record), self.efficiencies.figures(row.record))

    def _current_key(self) -> str | None:
        table: DataTable[Text] = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except RowDoesNotExist:
            return None
        return key.split(".")[0] if key else None

    def _current(self) -> PostMortemRow | None:
        key = self._current_key()
        return self.rows.get(key) if key else None

    # ----- actions ------------------------------------------------------------------------

    def action_toggle_steps(self) -> None:
        key = self._current_key()
        if key is None:
            return
        self.expanded.symmetric_difference_update({key})
        self._render_rows()

    def action_failures_only(self) -> None:
        self.failures_only = not self.failures_only
        self._render_rows()
        shown = sum(1 for row in self.rows.values() if row.advice) if self.failures_only else len(self.rows)
        self._title(tally(list(self.rows.values())) + ("" if shown else " · no failures to show"))

    def action_days(self, delta: int) -> None:
        self.days = max(1, self.days + delta)
        self._title("loading …")
        self.action_reload()

    def action_log(self, stream: str) -> None:
        if (key := self._current_key()) is not None:
            self.post_message(JobActions.LogRequested(self.session, key, stream))

    def action_resubmit(self) -> None:
        if (key := self._current_key()) is not None:
            panel = self.query_one(EfficiencyPanel)
            self.post_message(JobActions.ResubmitRequested(self.session, key, panel.suggested, panel.note))


def job_cells(row: PostMortemRow, expanded: bool, variables: Mapping[str, str]) -> list[Text]:
    record = row.record
    marker = JOB_MARKS[1 if expanded else 0] if record.steps else JOB_MARKS[2]
    style = state_style(variables, record.state)
    state = record.state_detail + (" (squeue)" if row.source == "squeue" else "")
    return [
        Text(marker + record.job_id, no_wrap=True, overflow="ellipsis"),
        Text(visible(record.name)),
        Text(visible(record.partition)),
        Text(duration(record.elapsed_s) if record.elapsed_s is not None else ""),
        Text(time_limit(record.time_limit_s, record.partition_limit)),
        Text(slurm_size(row.max_rss_bytes)),
        Text(slurm_size(row.max_vmsize_bytes)),
        Text(visible(state), style=style),
        Text(record.exit_code, style=style if record.exit_code not in ("", "0:0") else ""),
        Text(advice_head(row.advice) if row.advice else "", style="italic"),
    ]


def step_cells(step: AccountingStep, variables: Mapping[str, str]) -> list[Text]:
    """A step's row; hpctui's own live-use step says so (it ends CANCELLED when its view closes:
    the words fit the Advice column at 160 cells)."""
    dim = "dim"
    ours = step.name == LIVE_STEP_NAME
    return [
        Text(STEP_MARK + step.step_id, style=dim, no_wrap=True, overflow="ellipsis"),
        Text(visible(step.name), style=dim),
        Text(""),
        Text(duration(step.elapsed_s) if step.elapsed_s is not None else "", style=dim),
        Text(""),
        Text(slurm_size(step.max_rss_bytes), style=dim),
        Text(slurm_size(step.max_vmsize_bytes), style=dim),
        Text(step.state, style=state_style(variables, step.state)),
        Text(step.exit_code, style=dim),
        Text("hpctui's live sampling" if ours else "", style=dim),
    ]
