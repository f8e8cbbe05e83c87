"""The overview's "Where to run" list: the configured partitions ranked for a default job
(``toolkit.choose.rank``, the ranking of ``hpctui choose``), best first, each with its reason."""

from __future__ import annotations

from collections.abc import Mapping

from textual.content import Content
from textual.widgets import Static

from hpctui.config.model import Config
from hpctui.slurm.models import Snapshot
from hpctui.toolkit.choose import NOW, WAIT, Choice, Request, rank

DEFAULT_REQUEST = Request(gpus=1)
SHOWN = 4  # choices listed at most

# (mark, style) by how soon the job could start there
LOOK = {NOW: ("●", "$state-running"), WAIT: ("◔", "$state-pending")}
UNSEEN = ("?", "$text-muted")
MISFIT = ("✖", "$state-bad")


def choice_parts(choice: Choice) -> list[tuple[str, str] | str]:
    mark, style = LOOK.get(choice.availability, UNSEEN) if choice.fits else MISFIT
    return [(f" {mark} ", style), choice.reason]


def where_content(choices: list[Choice], request: Request, shown: int = SHOWN) -> Content:
    parts: list[tuple[str, str] | str] = [(f"Where to run {request.describe()}", "bold")]
    if not choices:
        parts.append(("  no partition of that kind is configured", "$text-muted"))
    for choice in choices[:shown]:
        parts += ["\n", *choice_parts(choice)]
    if len(choices) > shown:
        parts.append((f"\n   … {len(choices) - shown} more: hpctui choose", "$text-muted"))
    return Content.assemble(*parts)


class WhereToRun(Static):
    DEFAULT_CSS = """
    WhereToRun { height: auto; padding: 0 1; }
    """

    def __init__(self, config: Config, request: Request = DEFAULT_REQUEST, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.config = config
        self.request = request
        self.choices: list[Choice] = []

    def show(self, snapshots: Mapping[str, Snapshot]) -> None:
        self.choices = rank(self.config, snapshots, self.request)
        self.update(where_content(self.choices, self.request))
