"""The overview's allocation lines: per cluster, the project's used vs granted core and GPU
hours, the burn rate and how long the rest lasts at that rate.

Asked only while the overview is on screen (when it is shown, then every ``CHECK_S``), and each
cluster at most hourly (``AllocationWatch`` keeps the answer): sreport and sacctmgr are slurmdbd
queries, nothing a poll budget has to carry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from hpctui.services.allocation import AllocationWatch
from hpctui.slurm.errors import SlurmProblem
from hpctui.ssh.types import LinkError, LinkState
from hpctui.ui.workers import run_guarded
from hpctui.visible import visible

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession

CHECK_S = 600.0


class AllocationLines(Static):
    DEFAULT_CSS = """
    AllocationLines { height: auto; padding: 0 1; border-bottom: solid $panel; }
    AllocationLines.-none { display: none; }
    """

    def __init__(self, sessions: Iterable[ClusterSession], clock: Callable[[], float]) -> None:
        super().__init__()
        enabled = [s for s in sessions if s.cluster.allocation.enabled]
        now = lambda: datetime.fromtimestamp(clock())  # noqa: E731
        self.watches = {s.cluster.name: AllocationWatch(s.link, s.cluster, now=now) for s in enabled}
        self.links = {s.cluster.name: s.link for s in enabled}
        self.lines: dict[str, tuple[str, str]] = {
            name: ("asked once connected", "$text-muted") for name in self.watches
        }

    def on_mount(self) -> None:
        self.set_class(not self.watches, "-none")
        self.set_interval(CHECK_S, self.check)
        self._render_lines()

    def on_show(self) -> None:
        self.check()

    def check(self) -> None:
        """Ask each cluster whose answer is over an hour old (the watch decides), if on screen."""
        if self.is_on_screen:
            for name, watch in self.watches.items():
                if self.links[name].status.state is not LinkState.CONNECTED:
                    continue  # asked once it is: the watch keeps no answer yet
                run_guarded(
                    self, self._ask(name, watch), f"allocation of {name}", group=f"allocation-{name}", exclusive=True
                )

    async def _ask(self, name: str, watch: AllocationWatch) -> None:
        try:
            report = await watch.get()
        except (SlurmProblem, LinkError) as exc:
            self.lines[name] = (f"allocation unknown: {exc}", "$text-warning")
        else:
            self.lines[name] = (report.summary(), "")
        self._render_lines()

    def _render_lines(self) -> None:
        parts: list[tuple[str, str] | str] = []
        for name, (text, style) in self.lines.items():
            parts += [(f"{name} ", "bold"), ("allocation ", "$text-muted"), (visible(text), style), "\n"]
        self.update(Content.assemble(*parts[:-1]))
