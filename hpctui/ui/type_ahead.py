"""A key that opens a text field (``/`` for the queue's filter or a log's search) and a query
typed fast or pasted right behind it."""

from __future__ import annotations

from textual.actions import SkipAction
from textual.widget import Widget
from textual.widgets import Input


def open_field(shown: Widget, field: Input) -> None:
    """Show ``shown`` and give ``field`` the focus now, from a priority binding: ``Widget.focus``
    waits for a refresh, and the rest of the query is already on its way; a letter of it that
    is also a key ("l", "e", "n") must reach the field, not act on the view. When the field
    has the focus already, the key is text in it."""
    if field.has_focus:
        raise SkipAction()
    shown.add_class("-shown")
    field.screen.set_focus(field)
