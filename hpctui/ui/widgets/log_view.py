"""A log view over a ``LineRing`` using Textual's Line API: only visible lines are rendered.

New lines arrive in batches (``sync()`` after each); the view follows the end until the user
scrolls up, and resumes following at the bottom or on ``follow()``. The file's partial last
line (a progress bar, no newline yet) is one more row after the ring's, replaced at each sync.
Rows map to absolute line numbers through ``base`` (the ring's first line at the last sync), so
the text under the user's eyes stays put while the ring drops old lines.
"""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from hpctui.services.loghints import RULE_ORDER, ErrorHit, classify_line
from hpctui.services.logtail import LineRing, Marker
from hpctui.visible import visible

MAX_WIDTH = 4000  # longest line the horizontal scroll reaches (cells)


def printable(line: str) -> str:
    """A log line as it is shown: tabs expanded, other control characters visible (never obeyed)."""
    return line if line.isprintable() else visible(line.expandtabs())


class LogView(ScrollView, can_focus=True):
    COMPONENT_CLASSES = {"log-view--error", "log-view--marker", "log-view--match", "log-view--current"}
    DEFAULT_CSS = """
    LogView { background: $surface; color: $foreground; overflow: auto auto; }
    LogView > .log-view--error { color: $text-error; background: $error-muted; }
    LogView > .log-view--marker { color: $text-warning; text-style: italic; }
    LogView > .log-view--match { background: $warning-muted; }
    LogView > .log-view--current { background: $accent-muted; text-style: bold; }
    """
    BINDINGS = [
        Binding("up,k", "scroll_up", "Up", show=False, id="up"),
        Binding("down,j", "scroll_down", "Down", show=False, id="down"),
        Binding("left,h", "scroll_left", "Left", show=False, id="left"),
        Binding("right,l", "scroll_right", "Right", show=False, id="right"),
        Binding("pageup", "page_up", "Page up", show=False, id="page_up"),
        Binding("pagedown,space", "page_down", "Page down", show=False, id="page_down"),
        Binding("home,g", "scroll_home", "Top", show=False, id="first"),
        Binding("end,G", "follow", "Follow", id="log_follow"),
    ]

    class FollowChanged(Message):
        """The view started or stopped following the end (the status line says which at once)."""

        def __init__(self, following: bool) -> None:
            super().__init__()
            self.following = following

    follow: var[bool] = var(True)
    search_text: var[str] = var("")  # not "query": that is DOMNode.query, the CSS query
    current: var[int | None] = var(None)  # absolute number of the current search match

    def __init__(self, ring: LineRing, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ring = ring
        self.base = ring.first
        self._width = 0
        self._cache: LRUCache[int, tuple[Strip, Style | None]] = LRUCache(512)  # line, style of its padding
        self.partial = ""  # the text after the file's last newline, shown as the last row (never cached)

    # ---- data ------------------------------------------------------------------------------

    def sync(self, new_lines: list[str] | None = None, partial: str = "") -> None:
        """The ring changed: resize, keep the visible text in place, follow the end if asked.
        ``partial``: the file's last line so far, without its newline ("" for none)."""
        first = self.ring.first
        dropped = first - self.base
        self.base = first
        self.partial = partial
        longest = max(map(len, new_lines or ()), default=0)
        self._width = min(max(self._width, longest, len(partial)), MAX_WIDTH)
        self.virtual_size = Size(self._width, len(self.ring) + bool(partial))
        if self.follow:  # after the layout, which decides whether the view scrolls at all
            self.call_after_refresh(self._stick_to_end)
        elif dropped:
            self.scroll_to(y=max(0, self.scroll_y - dropped), animate=False, immediate=True, force=True)
        self.refresh()

    def reset(self, ring: LineRing) -> None:
        """Show another ring (the other stream of the job)."""
        self.ring = ring
        self.base = ring.first
        self._width = 0
        self._cache.clear()
        self.current = None
        self.follow = True
        self.sync()  # and no partial line

    # ---- following -------------------------------------------------------------------------

    def watch_follow(self, following: bool) -> None:
        self.post_message(self.FollowChanged(following))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value >= self.max_scroll_y:  # at the end, also when a taller view pulled scroll_y back to it
            self.follow = True
        elif new_value < old_value:  # the user scrolled up (a layout change never moves the view off the end)
            self.follow = False

    def on_resize(self) -> None:
        """A shorter view (the chart shown, a smaller terminal) keeps the end in sight."""
        if self.follow:
            self.call_after_refresh(self._stick_to_end)

    # Keys scroll at once: a deferred or animated scroll would race with the batches (and undo
    # the shift that keeps the text in place when the ring drops lines).
    def _scroll_by(self, rows: float) -> None:
        self.scroll_to(y=self.scroll_y + rows, animate=False, immediate=True, force=True)

    def action_scroll_up(self) -> None:
        self._scroll_by(-1)

    def action_scroll_down(self) -> None:
        self._scroll_by(1)

    def action_page_up(self) -> None:
        self._scroll_by(-self.scrollable_content_region.height)

    def action_page_down(self) -> None:
        self._scroll_by(self.scrollable_content_region.height)

    def action_scroll_home(self) -> None:
        self._scroll_by(-self.scroll_y)

    def _stick_to_end(self) -> None:
        if self.follow:  # unless the user scrolled up in the meantime
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)

    def action_follow(self) -> None:
        self.follow = True
        self.call_after_refresh(self._stick_to_end)

    # ---- positions -------------------------------------------------------------------------

    @property
    def top_line(self) -> int:
        """Absolute number of the first visible line."""
        return self.base + round(self.scroll_y)

    def visible_lines(self) -> range:
        top = self.top_line
        return range(top, min(top + self.scrollable_content_region.height, self.ring.total))

    def visible_error(self) -> ErrorHit | None:
        """The most specific error line on screen (rules are ordered specific first), if any."""
        hits = [hit for n in self.visible_lines() if (hit := self._classify(n)) is not None]
        return min(hits, key=lambda hit: RULE_ORDER[hit.kind], default=None)

    def _classify(self, number: int) -> ErrorHit | None:
        line = self.ring.line(number)
        return None if line is None or isinstance(line, Marker) else classify_line(line, number)

    def show_line(self, number: int) -> None:
        """Scroll so the line is on screen, about a third from the top; stops following."""
        self.follow = False
        row = number - self.base
        self.scroll_to(
            y=max(0, row - self.scrollable_content_region.height // 3), animate=False, immediate=True, force=True
        )
        self.follow = False
        self.refresh()

    # ---- search ----------------------------------------------------------------------------

    def watch_search_text(self) -> None:
        self._cache.clear()
        self.refresh()

    def watch_current(self) -> None:
        self._cache.clear()
        self.refresh()

    def find(self, forward: bool = True) -> int | None:
        """Next (or previous) line holding ``search_text`` from the current match or the screen top,
        the partial last row included.

        Smart case: a query with a capital letter matches case-sensitively. Wraps around.
        """
        first, total = self.ring.first, self.ring.total
        count = total + bool(self.partial) - first
        if not self.search_text or not count:
            return None
        matches = _matcher(self.search_text)
        start = self.current if self.current is not None and self.current >= first else self.top_line - forward
        step = 1 if forward else -1
        for offset in range(1, count + 1):
            number = first + (start - first + step * offset) % count
            if matches(self.partial if number == total else self.ring.line(number) or ""):
                self.current = number
                self.show_line(number)
                return number
        return None

    # ---- rendering -------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        number = self.base + scroll_y + y
        width = self.scrollable_content_region.width
        style = self.rich_style
        rendered = self._strip(number)
        if rendered is None:
            return Strip.blank(width, style)
        strip, pad = rendered
        return strip.crop_extend(scroll_x, scroll_x + width, pad).apply_style(style).apply_offsets(scroll_x, y)

    def _strip(self, number: int) -> tuple[Strip, Style | None] | None:
        """The whole line styled for errors and matches (not yet with the widget's own style),
        and the style that pads it to the view's width."""
        cached = self._cache.get(number)
        if cached is not None:
            return cached
        line = self.ring.line(number)
        if line is None:  # past the ring: the partial line's row, while there is one
            return self._styled(self.partial, number) if self.partial and number == self.ring.total else None
        rendered = self._cache[number] = self._styled(line, number)
        return rendered

    def _styled(self, line: str, number: int) -> tuple[Strip, Style | None]:
        text = Text(printable(line), no_wrap=True, end="")
        pad = None
        if isinstance(line, Marker):
            pad = self.get_component_rich_style("log-view--marker")
        elif classify_line(line) is not None:
            pad = self.get_component_rich_style("log-view--error")
        if pad is not None:
            text.stylize(pad)
        if self.search_text:
            self._highlight(text, number)
        return Strip(text.render(self.app.console), cell_len(text.plain)), pad

    def _highlight(self, text: Text, number: int) -> None:
        name = "log-view--current" if number == self.current else "log-view--match"
        style = self.get_component_rich_style(name)
        flags = 0 if any(c.isupper() for c in self.search_text) else re.IGNORECASE
        for match in re.finditer(re.escape(self.search_text), text.plain, flags):
            text.stylize(style, match.start(), match.end())


def _matcher(query: str):
    if any(c.isupper() for c in query):
        return lambda line: query in line
    lowered = query.lower()
    return lambda line: lowered in line.lower()
