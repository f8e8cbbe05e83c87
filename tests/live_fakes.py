"""A link for the live-use tests: sstat answers from a fixture and a GPU step that prints the
frames it is given, then stays open like a real step until its channel is closed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from hpctui.slurm.livecmd import BEGIN, END
from hpctui.ssh.types import Result

SSTAT = (Path(__file__).parent / "fixtures" / "slurm" / "sstat.txt").read_text()


def frame(text: str, status: int = 0) -> bytes:
    return f"{BEGIN}\n{text}\n{END} {status}\n".encode()


def nvidia(*utils: int) -> bytes:
    """One nvidia-smi reading: GPU i at utils[i] %, 1000 MiB of 40960 used."""
    return frame("\n".join(f"{i}, NVIDIA A100-SXM4-40GB, {u}, 1000, 40960" for i, u in enumerate(utils)))


class LiveLink:
    def __init__(self, chunks: list[bytes], sstat: str = SSTAT) -> None:
        self.chunks = chunks
        self.sstat = sstat
        self.commands: list[str] = []
        self.open_steps = 0
        self.most_steps = 0
        self.closed_steps = 0

    async def run(self, command: str, *, timeout: float | None = None, input: str | None = None) -> Result:
        self.commands.append(command)
        return Result(command, 0, self.sstat, "")

    @contextlib.asynccontextmanager
    async def stream(self, command: str) -> AsyncIterator[AsyncIterator[bytes]]:
        self.commands.append(command)
        self.open_steps += 1
        self.most_steps = max(self.most_steps, self.open_steps)
        try:
            yield self._output()
        finally:
            self.open_steps -= 1
            self.closed_steps += 1

    async def _output(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
            await asyncio.sleep(0)
        await asyncio.Event().wait()  # a live step prints its next reading later
        yield b""
