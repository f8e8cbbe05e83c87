"""The GPU board of one cluster: per watched partition GPUs by type and nodes by state,
then one row per node like ``sinfo --format="%n %G %t %C"``.

The node table is updated in place by node key (cells that changed, rows added or removed);
it is never cleared, so its cursor and scroll stay put.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Static

from hpctui.slurm.models import Gres, Node, PartitionGpus, Snapshot
from hpctui.visible import visible

NODE_STATES = ("idle", "mixed", "allocated", "drained", "down")
NODE_COLUMNS = ("Node", "Partition", "GRES", "State", "CPUs A/I/O/T", "GPUs used")


def gres_text(gres: tuple[Gres, ...]) -> str:
    return ",".join(":".join(p for p in (g.kind, g.type, str(g.count)) if p) for g in gres) or "(null)"


def node_cells(node: Node) -> tuple[str, ...]:
    cpus = f"{node.cpus_alloc}/{node.cpus_idle}/{node.cpus_other}/{node.cpus_total}"
    gpus = f"{node.gpus_used}/{node.gpus_total}" if node.gpus_total else ""
    return (node.name, node.partition, gres_text(node.gres), node.state, cpus, gpus)


def partition_content(name: str, summary: PartitionGpus | None) -> Content:
    if summary is None:
        return Content.assemble((name, "bold"), ("  no data yet", "$text-muted"))
    parts: list[tuple[str, str] | str] = [(f"{name:<12}", "bold")]
    for i, (gpu_type, total) in enumerate(sorted(summary.gpus_total.items())):
        if i:
            parts.append(("  ·", "$text-muted"))
        alloc = summary.gpus_alloc.get(gpu_type, 0)
        unavailable = summary.gpus_unavailable.get(gpu_type, 0)
        free = total - alloc - unavailable
        parts.append((f" {gpu_type or 'gpu'}: ", "bold"))
        parts.append((f"{free} free", "$text-success" if free else "$text-muted"))
        parts.append(f" / {total} total, {alloc} allocated")
        if unavailable:
            parts.append((f", {unavailable} unavailable", "$text-warning"))
    parts.append(("   nodes: ", "$text-muted"))
    states = summary.nodes_by_state
    parts.append(" · ".join(f"{states.get(s, 0)} {s}" for s in NODE_STATES))
    if states.get("other"):
        parts.append(f" · {states['other']} other")
    return Content.assemble(*parts)


def _cell(text: str) -> Text:
    """Node names and GRES come from the cluster: shown as they are, never read as markup."""
    return Text(visible(text))


class GpuBoard(Vertical):
    DEFAULT_CSS = """
    GpuBoard { height: auto; max-height: 40%; }
    GpuBoard > .partition { height: 1; padding: 0 1; }
    GpuBoard > DataTable { height: auto; max-height: 12; }
    """

    def __init__(self, watched: tuple[str, ...], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.watched = watched
        self._shown: dict[str, tuple[str, ...]] = {}

    def compose(self) -> ComposeResult:
        for name in self.watched:
            yield Static(partition_content(name, None), classes="partition")
        table: DataTable[Text] = DataTable(show_cursor=False, id="nodes")
        table.can_focus = False
        for title in NODE_COLUMNS:
            table.add_column(title, key=title)
        yield table

    def show(self, snapshot: Snapshot) -> None:
        summaries = {p.name: p for p in snapshot.partitions}
        for name, line in zip(self.watched, self.query(".partition").results(Static), strict=False):
            line.update(partition_content(name, summaries.get(name)))
        nodes = [n for n in snapshot.nodes if n.partition in self.watched]
        self._update_nodes(nodes)

    def _update_nodes(self, nodes: list[Node]) -> None:
        table: DataTable[Text] = self.query_one("#nodes", DataTable)
        wanted = {f"{n.partition}/{n.name}": node_cells(n) for n in nodes}
        for key in [k for k in self._shown if k not in wanted]:
            table.remove_row(key)
            del self._shown[key]
        for key, cells in wanted.items():
            old = self._shown.get(key)
            if old is None:
                table.add_row(*map(_cell, cells), key=key)
            else:
                for title, before, after in zip(NODE_COLUMNS, old, cells, strict=False):
                    if before != after:
                        table.update_cell(key, title, _cell(after), update_width=True)
            self._shown[key] = cells
