"""``?``: the keys of the view it was opened from, read from that view's active bindings
(so keymap overrides show as they are), grouped by the widget that defines them."""

from __future__ import annotations

import re
from collections.abc import Callable

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from hpctui.ui.table_keys import TABLE_KEYS, TableKeys


def where(node: object) -> str:
    """``JobTable`` -> ``job table``; the app's own keys work everywhere."""
    if isinstance(node, App):
        return "everywhere"
    return re.sub(r"(?<!^)(?=[A-Z])", " ", type(node).__name__).lower()


def help_rows(
    bindings: dict[str, ActiveBinding], key_display: Callable[[Binding], str]
) -> list[tuple[str, str, str, str]]:
    """(keys, what it does, binding id, where) per binding, keys of one binding joined."""
    merged: dict[tuple[int, str, str], list[str]] = {}
    info: dict[tuple[int, str, str], ActiveBinding] = {}
    for active in bindings.values():
        if not active.enabled:  # e.g. the keys of tabs that do not exist
            continue
        binding = active.binding
        group = (id(active.node), binding.action, binding.id or "")
        merged.setdefault(group, []).append(key_display(binding))
        info.setdefault(group, active)
    rows = []
    for group, keys in merged.items():
        active = info[group]
        text = active.binding.description or active.binding.action.replace("_", " ")
        rows.append((" ".join(dict.fromkeys(keys)), text, active.binding.id or "", where(active.node)))
    return rows


class HelpScreen(TableKeys, ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 96; max-width: 95%; height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen #help-title { text-style: bold; padding-bottom: 1; }
    HelpScreen #help-note { color: $text-muted; padding-top: 1; }
    HelpScreen DataTable { height: 1fr; background: $surface; }
    """
    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close help", id="close_help"),
        *TABLE_KEYS,
    ]

    def __init__(self, bindings: dict[str, ActiveBinding], view: str) -> None:
        super().__init__()
        self.bindings = bindings
        self.view = view

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Keys of the {self.view}", id="help-title", markup=False)
            table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
            table.add_columns("Keys", "What", "Binding id", "Where")
            table.add_rows([tuple(map(Text, row)) for row in help_rows(self.bindings, self.app.get_key_display)])
            yield table
            yield Static(
                "Remap a key in the config file: keymap: {BINDING_ID: KEYS}.  esc closes.", id="help-note", markup=False
            )
