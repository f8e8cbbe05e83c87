"""LogTail over a real ClusterLink to an in-process SSH server (tests/sshserver.py)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from tail_helpers import link, served, server, tailing  # noqa: F401 (fixtures)

from hpctui.services.logtail import TRUNCATED_TEXT, LogTail, Marker


async def until(predicate, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


def numbered(first: int, last: int) -> bytes:
    return b"".join(b"line %d\n" % n for n in range(first, last + 1))


async def test_starts_with_the_last_lines_then_follows(link, tmp_path: Path):
    log = tmp_path / "job 42.out"
    log.write_bytes(numbered(1, 50))
    tail = LogTail(link, str(log), last_lines=10, poll_s=0.05)
    async with tailing(tail) as batches:
        await until(lambda: tail.lines.total == 10)
        with log.open("ab") as out:
            out.write(numbered(51, 55))
        await until(lambda: tail.lines.total == 15)
    assert list(tail.lines) == [f"line {n}" for n in range(41, 56)]
    assert [line for batch in batches for line in batch] == list(tail.lines)
    assert [batch.first for batch in batches][0] == 0
    assert tail.offset == log.stat().st_size and tail.status == "following"


async def test_partial_line_is_held_until_its_newline(link, tmp_path: Path):
    log = tmp_path / "progress.log"
    log.write_bytes(b"epoch 1\nepoch 2 sta")
    tail = LogTail(link, str(log), poll_s=0.05)
    async with tailing(tail):
        await until(lambda: tail.partial == "epoch 2 sta")
        assert list(tail.lines) == ["epoch 1"]
        with log.open("ab") as out:
            out.write(b"rted\n")
        await until(lambda: tail.lines.total == 2)
    assert list(tail.lines) == ["epoch 1", "epoch 2 started"] and tail.partial == ""


async def test_a_progress_bar_alone_comes_as_a_batch_with_its_partial_line(link, tmp_path: Path):
    log = tmp_path / "tqdm.log"
    log.write_bytes(b"start\n")
    tail = LogTail(link, str(log), poll_s=0.05)
    async with tailing(tail) as batches:
        await until(lambda: tail.lines.total == 1)
        with log.open("ab") as out:
            out.write(b"\r 10%|#   | 10/100\r 40%|####| 40/100")
        await until(lambda: bool(batches) and batches[-1].partial == " 40%|####| 40/100")
        assert list(batches[-1]) == []  # no new line: the bar's state alone
        with log.open("ab") as out:
            out.write(b"\r100%|####| 100/100\n")
        await until(lambda: tail.lines.total == 2)
        await until(lambda: batches[-1].partial == "")
    assert [line for batch in batches for line in batch] == ["start", "100%|####| 100/100"]


async def test_reconnect_resumes_at_the_exact_byte(link, server, tmp_path: Path):
    log = tmp_path / "chatty.log"
    log.write_bytes(b"")
    tail = LogTail(link, str(log), poll_s=0.05)
    async with tailing(tail) as batches:
        await until(lambda: tail.status == "following")
        writer = subprocess.Popen(
            ["sh", "-c", f"i=1; while [ $i -le 3000 ]; do printf 'line %d\\n' $i; i=$((i+1)); done >> '{log}'"]
        )
        for _ in range(3):  # drop the connection several times while lines keep coming
            await until(lambda: tail.lines.total > 0)
            server.drop_connections()
            await asyncio.sleep(0.2)
        writer.wait(30)
        await until(lambda: tail.lines.total >= 3000, timeout=20)
    assert tail.reconnects >= 1
    assert list(tail.lines) == [f"line {n}" for n in range(1, 3001)]
    assert [line for batch in batches for line in batch] == list(tail.lines)


async def test_truncation_is_marked_and_following_restarts_at_zero(link, tmp_path: Path):
    log = tmp_path / "requeued.out"
    log.write_bytes(numbered(1, 5))
    tail = LogTail(link, str(log), poll_s=0.05)
    async with tailing(tail):
        await until(lambda: tail.lines.total == 5)
        log.write_bytes(b"restart\n")
        await until(lambda: tail.lines.total == 7)
    assert list(tail.lines)[5:] == [TRUNCATED_TEXT, "restart"]
    assert isinstance(tail.lines[5], Marker) and tail.offset == 8


async def test_missing_file_is_waited_for(link, tmp_path: Path):
    log = tmp_path / "pending job.out"
    tail = LogTail(link, str(log), poll_s=0.05)
    async with tailing(tail):
        await until(lambda: tail.status.startswith("waiting for"))
        log.write_bytes(b"started\n")
        await until(lambda: tail.lines.total == 1)
    assert list(tail.lines) == ["started"]


async def test_a_directory_ends_the_tail_with_a_reason(link, tmp_path: Path):
    tail = LogTail(link, str(tmp_path), poll_s=0.05)
    async with tailing(tail) as batches:
        await until(lambda: tail.status.startswith("error"))
    assert "a directory" in tail.status
    assert isinstance(batches[-1][-1], Marker) and str(tmp_path) in batches[-1][-1]


async def test_close_ends_the_remote_loop(link, server, tmp_path: Path):
    log = tmp_path / "quiet.log"
    log.write_bytes(b"one\n")
    tail = LogTail(link, str(log), poll_s=0.05)
    async with tailing(tail):
        await until(lambda: tail.lines.total == 1)
        assert server.sessions_open == 1
    await until(lambda: server.sessions_open == 0)
    await until(lambda: not subprocess.run(["pgrep", "-f", str(log)], capture_output=True).stdout)
