"""Pure parts of the log tail: frames, partial lines, the ring, and the remote script run by a local sh."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hpctui.services.logtail import (
    MAX_PARTIAL_BYTES,
    Frame,
    FrameDecoder,
    FrameError,
    LineRing,
    LineSplitter,
)
from hpctui.slurm.logcmd import tail_command


def frames_of(decoder: FrameDecoder, chunks: list[bytes]) -> list[Frame]:
    return [frame for chunk in chunks for frame in decoder.feed(chunk)]


def merged(frames: list[Frame]) -> list[tuple]:
    """Frames with consecutive data pieces joined (chunking may split one data frame in several)."""
    out: list[tuple] = []
    for frame in frames:
        if frame.kind == "D" and out and out[-1][0] == "D" and out[-1][1] + len(out[-1][2]) == frame.offset:
            out[-1] = ("D", out[-1][1], out[-1][2] + frame.data)
        elif frame.kind == "D":
            out.append(("D", frame.offset, frame.data))
        else:
            out.append((frame.kind, frame.offset, frame.size, frame.age_s, frame.reason))
    return out


def encode(kind: str, *fields: object, data: bytes = b"") -> bytes:
    return " ".join([kind, *map(str, fields)]).encode() + b"\n" + data


STREAM = b"".join(
    [
        encode("H", 5, 20, 7),
        encode("D", 5, 9, data=b"ab\ncd\nD 1"),  # data that looks like a header stays data
        encode("S", 14),
        encode("T", 3),
        encode("D", 0, 3, data=b"\n\nx"),
        encode("X", "not readable: /p a/log"),
    ]
)


def test_decoder_reads_every_frame_kind_with_exact_data():
    got = merged(frames_of(FrameDecoder(), [STREAM]))
    assert got == [
        ("H", 5, 20, 7, ""),
        ("D", 5, b"ab\ncd\nD 1"),
        ("S", 0, 14, 0, ""),
        ("T", 0, 3, 0, ""),
        ("D", 0, b"\n\nx"),
        ("X", 0, 0, 0, "not readable: /p a/log"),
    ]


@given(st.lists(st.integers(min_value=1, max_value=len(STREAM)), max_size=12))
def test_decoder_result_does_not_depend_on_chunk_boundaries(cuts):
    bounds = sorted(set(cuts))
    chunks = [STREAM[a:b] for a, b in zip([0, *bounds], [*bounds, len(STREAM)], strict=False)]
    assert merged(frames_of(FrameDecoder(), chunks)) == merged(frames_of(FrameDecoder(), [STREAM]))


def test_decoder_rejects_garbage():
    with pytest.raises(FrameError, match="unexpected output"):
        list(FrameDecoder().feed(b"bash: stat: command not found\n"))


@given(st.binary(max_size=300), st.lists(st.integers(min_value=0, max_value=300), max_size=10))
def test_splitter_yields_complete_lines_once_and_holds_the_partial_one(data, cuts):
    data = data.replace(b"\r", b"")
    bounds = sorted({c for c in cuts if c <= len(data)})
    splitter = LineSplitter()
    lines = []
    for a, b in zip([0, *bounds], [*bounds, len(data)], strict=False):
        lines += splitter.feed(data[a:b])
    *complete, partial = data.split(b"\n")
    assert lines == [line.decode("utf-8", "replace") for line in complete]
    assert splitter.partial == partial.decode("utf-8", "replace")


def test_splitter_decodes_multibyte_characters_split_across_chunks():
    text = "épsilon ünïcode → done\n".encode()
    splitter = LineSplitter()
    lines = [line for i in range(len(text)) for line in splitter.feed(text[i : i + 1])]
    assert lines == [text.decode().rstrip("\n")]


def test_splitter_keeps_the_last_carriage_return_segment_of_progress_bars():
    splitter = LineSplitter()
    assert splitter.feed(b" 10%|#\r 50%|#####\r100%|##########\r\nnext\n") == ["100%|##########", "next"]
    splitter.feed(b" 10%\r 20%")
    assert splitter.partial == " 20%"


def last_segment(line: bytes) -> str:
    """What a terminal would leave of a line with carriage returns (the last non-empty part)."""
    segments = [part for part in line.split(b"\r") if part]
    return segments[-1].decode("utf-8", "replace") if segments else ""


@given(
    st.lists(st.sampled_from([b"\r", b"\n", b"ab", b"\xc3\xa9", b"\xe2", b"x" * 7]), max_size=60),
    st.lists(st.integers(min_value=0, max_value=300), max_size=10),
)
def test_splitter_with_carriage_returns_matches_a_terminal_whatever_the_chunks(pieces, cuts):
    data = b"".join(pieces)
    bounds = sorted({c for c in cuts if c <= len(data)})
    splitter = LineSplitter()
    lines = []
    for a, b in zip([0, *bounds], [*bounds, len(data)], strict=False):
        lines += splitter.feed(data[a:b])
    *complete, partial = data.split(b"\n")
    assert lines == [last_segment(line) for line in complete]
    assert splitter.partial == last_segment(partial)


def test_a_progress_bar_without_newline_holds_constant_memory():
    splitter = LineSplitter()
    tracemalloc.start()
    try:
        for i in range(60_000):
            assert splitter.feed(f"\rprogress {i % 100:02d}%".encode()) == []
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert splitter.partial == "progress 99%"
    assert held < 20_000  # the overwritten 780 kB are gone
    assert splitter.feed(b"\r\n") == ["progress 99%"] and splitter.partial == ""


def test_a_partial_line_without_carriage_return_is_cut_at_the_limit_on_a_character_boundary():
    splitter = LineSplitter()
    text = "\u00e9" * MAX_PARTIAL_BYTES  # two bytes each
    data = text.encode()
    lines = [line for i in range(0, len(data), 999) for line in splitter.feed(data[i : i + 999])]
    assert all(len(line.encode()) <= MAX_PARTIAL_BYTES for line in lines) and len(lines) == 1
    rest = splitter.partial
    assert "".join(lines) + rest == text
    assert splitter.feed(b"!\n") == [rest + "!"]


def test_splitter_flush_turns_the_partial_line_into_a_line():
    splitter = LineSplitter()
    assert splitter.feed(b"done\nhalf a li") == ["done"]
    assert splitter.flush() == ["half a li"]
    assert splitter.flush() == [] and splitter.partial == ""


def test_ring_keeps_the_newest_lines_with_absolute_numbers():
    ring = LineRing(5)
    for start in range(0, 23, 3):
        ring.extend([f"l{n}" for n in range(start, start + 3)])
    assert ring.total == 24 and len(ring) == 5 and ring.first == 19
    assert list(ring) == [f"l{n}" for n in range(19, 24)]
    assert [ring[i] for i in range(5)] == list(ring) and ring[-1] == "l23"
    assert ring.line(19) == "l19" and ring.line(18) is None and ring.line(24) is None
    with pytest.raises(IndexError):
        ring[5]


def test_ring_memory_stays_bounded_under_many_appends():
    ring = LineRing(100)
    for n in range(10_000):
        ring.extend([str(n)])
    assert len(ring._items) <= 2 * ring.maxlen + 1
    assert list(ring) == [str(n) for n in range(9_900, 10_000)]


# ---- the remote script, run by a local sh --------------------------------------------------


def run_script(command: str, seconds: float, during=None) -> list[tuple]:
    """Run ``command`` with sh for about ``seconds``; ``during()`` runs halfway."""
    process = subprocess.Popen(["sh", "-c", command], stdout=subprocess.PIPE, start_new_session=True)
    os.set_blocking(process.stdout.fileno(), False)
    output = b""
    deadline = time.monotonic() + seconds
    acted = during is None
    while time.monotonic() < deadline:
        output += process.stdout.read() or b""
        if not acted and time.monotonic() > deadline - seconds / 2:
            during()
            acted = True
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    output += process.stdout.read() or b""
    return merged(frames_of(FrameDecoder(), [output]))


def data_frames(frames: list[tuple]) -> list[tuple]:
    return [frame for frame in frames if frame[0] in "DT"]


@pytest.mark.parametrize("last", [0, 1, 3, 50])
def test_script_starts_at_the_last_lines(tmp_path: Path, last: int):
    log = tmp_path / "job output.log"
    lines = [f"line {n} {'x' * (n % 7)}" for n in range(20)]
    log.write_text("\n".join(lines) + "\n")
    frames = run_script(tail_command(str(log), last_lines=last, poll_s=0.05), 0.4)
    wanted = "".join(line + "\n" for line in lines[len(lines) - min(last, 20) :]).encode()
    start = log.stat().st_size - len(wanted)
    assert frames[0][:3] == ("H", start, log.stat().st_size)
    assert b"".join(f[2] for f in data_frames(frames)) == wanted


def test_script_resumes_at_an_offset_and_follows_appends(tmp_path: Path):
    log = tmp_path / "a'b $(x) c.log"
    log.write_bytes(b"first\nsecond\n")
    frames = run_script(tail_command(str(log), offset=6, poll_s=0.05), 0.6, lambda: log.open("ab").write(b"third\n"))
    assert frames[0][:3] == ("H", 6, 13)
    assert data_frames(frames) == [("D", 6, b"second\n"), ("D", 13, b"third\n")]
    assert ("S", 0, 19, 0, "") in frames


def test_script_reports_truncation_and_restarts_at_zero(tmp_path: Path):
    log = tmp_path / "requeued.log"
    log.write_bytes(b"old run line\n" * 5)
    frames = run_script(tail_command(str(log), offset=0, poll_s=0.05), 0.6, lambda: log.write_bytes(b"new\n"))
    assert data_frames(frames) == [("D", 0, b"old run line\n" * 5), ("T", 0, 4, 0, ""), ("D", 0, b"new\n")]


def test_script_waits_for_a_missing_file(tmp_path: Path):
    log = tmp_path / "later.log"
    frames = run_script(tail_command(str(log), poll_s=0.05), 0.6, lambda: log.write_bytes(b"hello\n"))
    assert frames[0][:3] == ("H", 0, -1)
    assert ("S", 0, -1, 0, "") in frames and data_frames(frames) == [("D", 0, b"hello\n")]


def test_script_caps_frames_so_a_backlog_streams_in_pieces(tmp_path: Path):
    log = tmp_path / "big.log"
    body = b"".join(b"%06d\n" % n for n in range(3000))
    log.write_bytes(body)
    frames = data_frames(run_script(tail_command(str(log), offset=0, poll_s=0.05, max_frame=4096), 0.5))
    assert frames == [("D", 0, body)]  # contiguous pieces, merged back


def test_script_frames_never_exceed_the_cap(tmp_path: Path):
    log = tmp_path / "big.log"
    log.write_bytes(b"0123456789" * 1000)
    command = tail_command(str(log), offset=0, poll_s=0.05, max_frame=4096)
    raw = subprocess.run(["sh", "-c", command + " | head -c 10060"], capture_output=True, timeout=20).stdout
    pieces = [(f.offset, len(f.data)) for f in FrameDecoder().feed(raw) if f.kind == "D"]
    assert pieces == [(0, 4096), (4096, 4096), (8192, 1808)]


def test_script_ends_when_its_reader_goes_away(tmp_path: Path):
    log = tmp_path / "quiet.log"
    log.write_bytes(b"x\n")
    process = subprocess.Popen(
        ["sh", "-c", tail_command(str(log), poll_s=0.05)], stdout=subprocess.PIPE, start_new_session=True
    )
    process.stdout.readline()
    process.stdout.close()  # the channel closed: the next heartbeat dies of SIGPIPE
    try:
        assert process.wait(timeout=5) != 0
    finally:
        with_group_killed(process.pid)


def with_group_killed(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def test_command_rejects_bad_arguments():
    with pytest.raises(ValueError):
        tail_command("")
    with pytest.raises(ValueError):
        tail_command("/x", offset=-1)
