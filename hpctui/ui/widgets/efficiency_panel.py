"""Efficiency of the job under the post-mortem's cursor: CPU, memory, time, GPU hours and use,
and advice in numbers; for an array task, the array's summary and its worst tasks.

The screen works the figures out once per load of its rows and calls ``show`` with those of the
row under the cursor; ``suggested`` and ``note`` are what a resubmission of that job is
offered (the resubmit dialog shows the note and applies the values on ctrl+t)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from hpctui.slurm.efficiency import ArraySummary, Efficiency
from hpctui.visible import visible


class EfficiencyPanel(Static):
    DEFAULT_CSS = """
    EfficiencyPanel { height: auto; padding: 0 1; background: $boost; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.suggested: dict[str, str] = {}
        self.note = ""

    def show(self, entry: Efficiency | ArraySummary | None = None, current: Efficiency | None = None) -> None:
        """``current``, the figures of the job under the cursor, and ``entry``, what advice is
        taken from: its array's summary for an array task, else ``current`` again. None: blank."""
        if entry is None or current is None:
            self.suggested, self.note = {}, ""
            self.update("")
            return
        self.suggested = entry.suggested
        self.note = "; ".join(entry.advice)
        self.update(panel_content(entry, current))


def panel_content(entry: Efficiency | ArraySummary, current: Efficiency) -> Content:
    parts: list[tuple[str, str] | str] = [("Efficiency  ", "bold")]
    if isinstance(entry, ArraySummary):
        parts.append(f"array {entry.array_id}: {entry.figures()}")
        for label, task in [*(("worst", t) for t in entry.worst()), ("this", current)]:
            parts += ["\n", (f"  {label:<6}", "$text-muted"), f"{task.job_id} {task.state}: {task.figures()}"]
    else:
        parts.append(entry.figures())
    for words in entry.advice:
        parts += ["\n", ("  → ", "$text-accent"), words]
    return assemble_visible(parts)


def assemble_visible(parts: list[tuple[str, str] | str]) -> Content:
    """``Content.assemble`` of ``parts`` (text, or (text, style)) with control characters in the
    text made visible; a part that is exactly a newline ends the line."""
    shown = [p if p == "\n" else (visible(p[0]), p[1]) if isinstance(p, tuple) else visible(p) for p in parts]
    return Content.assemble(*shown)
