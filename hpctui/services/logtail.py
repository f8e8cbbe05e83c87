"""Follow a remote log file by byte offset over one stream channel.

The remote side is ``hpctui.slurm.logcmd.tail_command``; this module decodes its frames, turns
bytes into lines (holding a partial last line until its newline), keeps the lines in a bounded
ring and hands them to one consumer in coalesced batches. Because every byte's file offset is
known, a dropped link is resumed at the exact byte: no line lost, none repeated.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Protocol

from hpctui.slurm.logcmd import tail_command
from hpctui.ssh.types import LinkError

TRUNCATED_TEXT = "── file truncated (job restarted?) ──"


class Marker(str):
    """A line hpctui inserted itself (not from the file); views style it, parsers skip it."""


class Batch(list[str]):
    """New lines; ``first`` is the absolute number of the first one (numbering as in LineRing);
    ``partial`` the text after the last newline at that moment (a progress bar as it stands)."""

    def __init__(self, lines: list[str], first: int, partial: str = "") -> None:
        super().__init__(lines)
        self.first = first
        self.partial = partial


class StreamLink(Protocol):
    """What LogTail needs of ``hpctui.ssh.link.ClusterLink``."""

    def stream(self, command: str) -> contextlib.AbstractAsyncContextManager[AsyncIterator[bytes]]: ...

    async def wait_connected(self, timeout: float | None = None) -> None: ...


class FrameError(Exception):
    """The remote tail printed something that is not a frame: a bug, never a user mistake."""


@dataclass(frozen=True)
class Frame:
    """One decoded frame; ``kind`` is H, D, T, S or X (see ``hpctui.slurm.logcmd``)."""

    kind: str
    offset: int = 0
    size: int = 0
    data: bytes = b""
    reason: str = ""
    age_s: int = 0


class FrameDecoder:
    """Incremental decoder of the tail command's output; chunk boundaries may fall anywhere."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._remaining = 0  # bytes of the current data frame still expected
        self._data_offset = 0

    def feed(self, chunk: bytes) -> Iterator[Frame]:
        self._buffer += chunk
        while self._buffer:
            if self._remaining:
                take = bytes(self._buffer[: self._remaining])
                del self._buffer[: len(take)]
                self._remaining -= len(take)
                yield Frame("D", offset=self._data_offset, data=take)
                self._data_offset += len(take)
                continue
            newline = self._buffer.find(b"\n")
            if newline < 0:
                return
            header = self._buffer[:newline].decode("utf-8", "replace")
            del self._buffer[: newline + 1]
            frame = self._header(header)
            if frame is not None:
                yield frame

    def _header(self, header: str) -> Frame | None:
        kind, _, rest = header.partition(" ")
        try:
            if kind == "D":
                offset, size = (int(part) for part in rest.split())
                self._remaining, self._data_offset = size, offset
                return None
            if kind == "H":
                offset, size, age = (int(part) for part in rest.split())
                return Frame("H", offset=offset, size=size, age_s=age)
            if kind in ("T", "S"):
                return Frame(kind, size=int(rest))
        except ValueError:
            pass
        if kind == "X":
            return Frame("X", reason=rest)
        raise FrameError(f"unexpected output from the remote tail: {header[:80]!r}")


MAX_PARTIAL_BYTES = 64 * 1024  # a line without a newline longer than this is cut into lines


class LineSplitter:
    """Bytes in, complete lines out; the partial last line is held until its newline arrives.

    A carriage return (progress bars) keeps only the text after it; an empty last segment
    (``"100%\\r"``) shows the segment before it. Only those two segments are held, never what
    was overwritten, so a progress bar that never prints a newline costs constant memory and
    constant work per chunk; a partial line that outgrows ``MAX_PARTIAL_BYTES`` without any
    carriage return is handed out as lines of that size. UTF-8 never puts a newline or a
    carriage return byte inside a multi-byte character, so bytes are split before decoding.
    """

    def __init__(self) -> None:
        self._segment = bytearray()  # the partial line's text after its last carriage return
        self._previous = b""  # the last non-empty segment before it, shown while _segment is empty

    @property
    def partial(self) -> str:
        return (self._segment or self._previous).decode("utf-8", "replace")

    def feed(self, data: bytes) -> list[str]:
        cut = data.rfind(b"\n")
        if cut < 0:
            self._extend(data)
            return self._overflow()
        first, newline, middle = data[:cut].partition(b"\n")
        self._extend(first)
        lines = [self._take()]
        if newline:
            text = middle.decode("utf-8", "replace")
            more = text.split("\n")
            lines += [_last_segment(line) for line in more] if "\r" in text else more
        self._extend(data[cut + 1 :])
        return lines + self._overflow()

    def flush(self) -> list[str]:
        """The held partial line, if any, as a line of its own (the file was truncated under it)."""
        return [self._take().rstrip("\0")] if self._segment or self._previous else []

    def _extend(self, piece: bytes) -> None:
        head, carriage_return, tail = piece.rpartition(b"\r")
        if not carriage_return:
            self._segment += piece
            return
        finished = head.rstrip(b"\r")
        last = finished.rpartition(b"\r")[2] if b"\r" in finished else bytes(self._segment) + finished
        if last:
            self._previous = last
        self._segment = bytearray(tail)

    def _take(self) -> str:
        line = self.partial
        self._segment, self._previous = bytearray(), b""
        return line

    def _overflow(self) -> list[str]:
        lines = []
        while len(self._segment) > MAX_PARTIAL_BYTES:
            cut = _utf8_boundary(self._segment, MAX_PARTIAL_BYTES)
            lines.append(self._segment[:cut].decode("utf-8", "replace"))
            del self._segment[:cut]
            self._previous = b""
        return lines


def _utf8_boundary(data: bytearray, cut: int) -> int:
    """``cut`` moved back (at most 3 bytes) so that it does not split a UTF-8 character."""
    for back in range(4):
        if cut - back > 0 and data[cut - back] & 0xC0 != 0x80:
            return cut - back
    return cut


def _last_segment(line: str) -> str:
    if "\r" not in line:
        return line
    segments = [segment for segment in line.split("\r") if segment]
    return segments[-1] if segments else ""


class LineRing:
    """Bounded list of lines with O(1) indexing and absolute line numbers.

    ``total`` counts every line ever appended; the retained lines are numbered
    ``first`` .. ``total - 1``. (A deque would do, but indexing its middle is O(n) and a view
    renders lines from anywhere.)
    """

    def __init__(self, maxlen: int) -> None:
        if maxlen < 1:
            raise ValueError("ring size must be at least 1")
        self.maxlen = maxlen
        self._items: list[str] = []
        self._head = 0
        self.total = 0

    def __len__(self) -> int:
        return len(self._items) - self._head

    def __iter__(self) -> Iterator[str]:
        return iter(self._items[self._head :])

    def __getitem__(self, index: int) -> str:
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self._items[self._head + index % len(self)]

    @property
    def first(self) -> int:
        """Absolute number of the oldest retained line."""
        return self.total - len(self)

    def line(self, number: int) -> str | None:
        """The line with absolute number ``number``, or None when dropped or not yet seen."""
        if self.first <= number < self.total:
            return self._items[self._head + number - self.first]
        return None

    def extend(self, lines: list[str]) -> None:
        self._items.extend(lines)
        self.total += len(lines)
        excess = len(self) - self.maxlen
        if excess > 0:
            self._head += excess
        if self._head > self.maxlen:
            del self._items[: self._head]
            self._head = 0


class LogTail:
    """Tail ``path`` through ``link`` by byte offset; see the module docstring.

    Owns: one reader task and one stream channel at a time. Guarantees: every byte of the file
    is delivered once and in order across reconnects; truncation is marked; memory is bounded
    (the ring, and the partial line of ``\r`` progress output). Its owner (a log screen, a
    bench) calls ``close()``.

    ``last_lines=None`` reads the whole file. ``async for batch in tail.batches()`` yields lists
    of new lines (with the partial last line as it then stood, ``batch.partial``) at most every
    ``batch_interval`` seconds; ``tail.lines`` is the ring,
    ``tail.offset`` the file offset just past the last byte received, ``tail.status`` a short
    human-readable state.
    """

    def __init__(
        self,
        link: StreamLink,
        path: str,
        *,
        last_lines: int | None = 1000,
        ring: int = 100_000,
        poll_s: float = 0.5,
        batch_interval: float = 0.05,
        silence_s: float = 20.0,
    ) -> None:
        self.link = link
        self.path = path
        self.last_lines = last_lines
        self.lines = LineRing(ring)
        # None until the remote side chose where to start (the last lines); 0 for the whole file
        self.offset: int | None = 0 if last_lines is None else None
        self.file_size: int | None = None  # -1 while the file does not exist
        self.status = "connecting"
        self.reconnects = 0
        self.changed_at: float | None = None  # time.time() the file last grew, as far as we know
        self.poll_s = poll_s
        self.batch_interval = batch_interval
        self.silence_s = silence_s  # no frame (not even a heartbeat) for this long = dead link
        self._splitter = LineSplitter()
        self._pending: list[str] = []
        self._wakeup = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def partial(self) -> str:
        """The last line so far, without its newline yet (progress bars live here)."""
        return self._splitter.partial

    def start(self) -> None:
        if self._reader is None and not self._closed:
            self._reader = asyncio.get_running_loop().create_task(self._run(), name=f"tail {self.path}")

    async def close(self) -> None:
        """Stop following; the stream channel is closed by leaving its context."""
        self._closed = True
        self._wakeup.set()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    async def batches(self) -> AsyncIterator[Batch]:
        """New lines, coalesced, or a new partial line alone; one consumer only. Ends after
        ``close()`` or a fatal error."""
        self.start()
        last = 0.0
        partial = ""
        while not self._closed:
            await self._wakeup.wait()
            delay = last + self.batch_interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            self._wakeup.clear()
            batch = Batch(self._pending, self.lines.total - len(self._pending), self.partial)
            self._pending = []
            last = time.monotonic()
            if batch or batch.partial != partial:
                partial = batch.partial
                yield batch
            if self._reader is not None and self._reader.done() and not self._pending:
                return

    async def _run(self) -> None:
        backoff = 0.5
        try:
            while True:
                try:
                    await self.link.wait_connected(None)
                    if await self._follow_once():
                        return
                    backoff = 0.5
                except TimeoutError:
                    self.status = f"reconnecting: no output for {self.silence_s:g} s"
                except (LinkError, OSError) as error:
                    self.status = f"reconnecting: {error}"
                self.reconnects += 1
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
        except FrameError as error:
            self.status = f"error: {error}"
            self._add([Marker(f"── {error} ──")])
        finally:
            self._wakeup.set()

    async def _follow_once(self) -> bool:
        """One stream channel's life. True when following must stop for good."""
        decoder = FrameDecoder()
        command = tail_command(self.path, offset=self.offset, last_lines=self.last_lines or 0, poll_s=self.poll_s)
        async with self.link.stream(command) as chunks:
            iterator = aiter(chunks)
            while True:
                async with asyncio.timeout(self.silence_s):
                    chunk = await anext(iterator, None)
                if chunk is None:
                    self.status = "remote tail ended"
                    return False
                for frame in decoder.feed(chunk):
                    if self._apply(frame):
                        return True
                await asyncio.sleep(0)  # buffered chunks come without a pause: let the UI breathe

    def _apply(self, frame: Frame) -> bool:
        if frame.kind == "D":
            self._data(frame)
        elif frame.kind == "H":
            if self.offset is None:
                self.offset = frame.offset
            elif frame.offset != self.offset:
                raise FrameError(f"resumed at {frame.offset}, expected {self.offset}")
            if self.changed_at is None and frame.size >= 0:
                self.changed_at = time.time() - frame.age_s
            self._sized(frame.size)
        elif frame.kind == "T":
            self._truncated(frame.size)
        elif frame.kind == "S":
            self._sized(frame.size)
        else:
            self.status = f"error: {frame.reason}"
            self._add([Marker(f"── {frame.reason} ──")])
            return True
        return False

    def _sized(self, size: int) -> None:
        self.file_size = size
        self.status = f"waiting for {self.path} to appear" if size < 0 else "following"

    def _data(self, frame: Frame) -> None:
        if frame.offset != self.offset:
            raise FrameError(f"data at offset {frame.offset}, expected {self.offset}")
        self.offset = frame.offset + len(frame.data)
        if self.file_size is None or self.offset > self.file_size:  # grown since the last look
            self.file_size = self.offset
            self.changed_at = time.time()
        self._add(self._splitter.feed(frame.data))
        self._wakeup.set()  # the partial line changed, if no line came

    def _truncated(self, size: int) -> None:
        self._add([*self._splitter.flush(), Marker(TRUNCATED_TEXT)])
        self.offset = 0
        self.file_size = size
        self.changed_at = time.time()

    def _add(self, lines: list[str]) -> None:
        if not lines:
            return
        self.lines.extend(lines)
        self._pending.extend(lines)
        overflow = len(self._pending) - self.lines.maxlen
        if overflow > 0:  # nobody is consuming: keep only what the ring still holds
            del self._pending[:overflow]
        self._wakeup.set()
