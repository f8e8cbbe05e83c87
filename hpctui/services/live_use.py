"""Live CPU, memory and GPU use of one running job, sampled only while a screen shows it.

Over the session's ONE link: ``sstat`` (a command channel) for CPU and memory, and ONE
``srun --overlap`` step (a stream channel) that reads the GPU tool every ``live_s`` inside the
job's allocation (see ``hpctui.slurm.livecmd``). At most one such step runs per cluster at a
time: a second sampler on the same link waits for the first to stop.

Controller cost: a step costs 3 RPCs whatever it runs (2 to start, 1 to complete; a cancel
when the view closes first), and sstat 3 per call; with a new step every ``STEP_LIFE_S`` and
sstat every ``sstat_every_s`` the view averages under ``RPC_BUDGET_PER_MIN``, and an
``RpcWindow`` holds back what would put more than that in any 60 s: the GPU step starts first
(the readings a user opens the view for), sstat follows a minute later
(bench/live_rpc_bench.py measures it).

Owner: whoever calls ``start()`` calls ``stop()`` (the UI's live-use panel, on mount and unmount).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from hpctui.config.model import Cluster
from hpctui.services.rpc_window import RpcWindow
from hpctui.slurm.errors import SlurmError, SlurmProblem, check_errors
from hpctui.slurm.livecmd import GpuFrames, ToolFrame, gpu_step_command, gpu_tool_line, sstat_command
from hpctui.slurm.parse.usage import GpuUse, JobUsage, parse_nvidia_csv, parse_rocm_json, parse_sstat
from hpctui.ssh.link import ClusterLink
from hpctui.ssh.types import LinkError

log = logging.getLogger(__name__)
T = TypeVar("T")

RPC_BUDGET_PER_MIN = 4
SSTAT_RPCS = 3  # REQUEST_FED_INFO, REQUEST_JOB_STEP_INFO, REQUEST_JOB_ALLOCATION_INFO (22.05)
STEP_START_RPCS = 2  # REQUEST_HET_JOB_ALLOC_INFO, REQUEST_JOB_STEP_CREATE
STEP_END_RPCS = 1  # REQUEST_STEP_COMPLETE (or REQUEST_CANCEL_JOB_STEP when the view closes first)
STEP_RPCS = STEP_START_RPCS + STEP_END_RPCS
ROOM_CHECK_S = 2.0  # how often work held back by the RPC window looks again
STEP_LIFE_S = 600  # a GPU step ends by itself after this; the sampler starts the next one
STEP_START_S = 30.0  # the local deadline of a reading: the interval plus this (srun starting)
SSTAT_TIMEOUT_S = 20.0

WINDOW_S = 300.0  # the warnings look at the last five minutes
GPU_IDLE_PCT = 10.0
MEM_HIGH = 0.90  # of the request
MEM_LOW = 0.25
PARSERS = {"nvidia": parse_nvidia_csv, "rocm": parse_rocm_json}

_STEP_LOCKS: weakref.WeakKeyDictionary[ClusterLink, asyncio.Lock] = weakref.WeakKeyDictionary()


def sstat_every_s(interval_s: float) -> float:
    """How often sstat may run: what the budget leaves after the GPU steps, rounded up to a
    multiple of the GPU interval (60 s with the defaults)."""
    left = RPC_BUDGET_PER_MIN - STEP_RPCS * 60 / STEP_LIFE_S
    return math.ceil(60 * SSTAT_RPCS / left / interval_s) * interval_s


def gpu_tool_kind(cluster: Cluster) -> str | None:
    """The cluster's GPU tool: its ``gpu_tool``, else rocm on ROCm sites and nvidia elsewhere."""
    kind = cluster.gpu_tool or ("rocm" if cluster.rules.rocm else "nvidia")
    return None if kind == "none" else kind


@dataclass
class LiveUse:
    """The readings so far (time-stamped by the sampler's clock) and the last problems."""

    gpus: deque[tuple[float, tuple[GpuUse, ...]]] = field(default_factory=deque)
    usage: deque[tuple[float, JobUsage]] = field(default_factory=deque)
    gpu_error: str | None = None
    usage_error: str | None = None

    def add_gpus(self, at: float, gpus: tuple[GpuUse, ...]) -> None:
        self.gpus.append((at, gpus))
        _forget_before(self.gpus, at - WINDOW_S - 60)
        self.gpu_error = None

    def add_usage(self, at: float, usage: JobUsage) -> None:
        self.usage.append((at, usage))
        _forget_before(self.usage, at - WINDOW_S - 120)
        self.usage_error = None

    @property
    def latest_gpus(self) -> tuple[GpuUse, ...]:
        return self.gpus[-1][1] if self.gpus else ()

    @property
    def rss(self) -> int | None:
        return self.usage[-1][1].rss if self.usage else None

    def cpu_cores(self) -> float | None:
        """CPUs busy on average between the last two sstat readings."""
        if len(self.usage) < 2:
            return None
        (before, old), (after, new) = self.usage[-2], self.usage[-1]
        if old.cpu_s is None or new.cpu_s is None or after <= before:
            return None
        return max(0.0, new.cpu_s - old.cpu_s) / (after - before)

    def gpu_series(self, index: int) -> list[float]:
        """The GPU's utilisation readings, oldest first (None readings left out)."""
        return [
            gpu.util_pct for _, gpus in self.gpus for gpu in gpus if gpu.index == index and gpu.util_pct is not None
        ]


def _forget_before(readings: deque[tuple[float, T]], oldest: float) -> None:
    while readings and readings[0][0] < oldest:
        readings.popleft()


def _window(readings: deque[tuple[float, T]], now: float) -> bool:
    """Whether the readings cover the last WINDOW_S (the oldest is at least that old)."""
    return bool(readings) and readings[0][0] <= now - WINDOW_S


def usage_warnings(live: LiveUse, now: float, requested_mem: int | None) -> list[str]:
    """GPUs under 10% for 5 minutes; memory over 90% of the request, or under 25% for 5 minutes."""
    warnings = []
    if _window(live.gpus, now):
        recent = [gpus for at, gpus in live.gpus if at >= now - WINDOW_S]
        indexes = sorted({gpu.index for gpus in recent for gpu in gpus})
        idle = [
            index
            for index in indexes
            if all(
                gpu.util_pct is not None and gpu.util_pct < GPU_IDLE_PCT
                for gpus in recent
                for gpu in gpus
                if gpu.index == index
            )
        ]
        if idle:
            which = "GPU " + ",".join(map(str, idle))
            warnings.append(f"{which} under {GPU_IDLE_PCT:g}% for {WINDOW_S / 60:g} min: is the job using the GPU?")
    rss = live.rss
    if requested_mem and rss is not None:
        if rss > MEM_HIGH * requested_mem:
            warnings.append(f"memory at {rss / requested_mem:.0%} of the request: near the out-of-memory kill")
        elif _window(live.usage, now) and all(
            (usage.rss or 0) < MEM_LOW * requested_mem for at, usage in live.usage if at >= now - WINDOW_S
        ):
            warnings.append(f"memory under {MEM_LOW:.0%} of the request for {WINDOW_S / 60:g} min: ask for less")
    return warnings


class LiveSampler:
    """Samples one job while started: GPUs every ``live_s`` (when ``gpus`` and the cluster has
    a GPU tool), sstat every ``sstat_every_s`` once the GPU step began, both within the RPC
    window. ``on_change`` is called after each reading or problem, on the event loop."""

    def __init__(
        self,
        link: ClusterLink,
        cluster: Cluster,
        job_id: str,
        *,
        gpus: bool,
        on_change: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
        rpcs: RpcWindow | None = None,
    ) -> None:
        self.link = link
        self.job_id = job_id
        self.interval_s = cluster.refresh.live_s
        self.sstat_every_s = sstat_every_s(self.interval_s)
        self.kind = gpu_tool_kind(cluster) if gpus else None
        self.tool_line = gpu_tool_line(self.kind, cluster.gpu_tool_command) if self.kind else None
        self.live = LiveUse()
        self.on_change = on_change
        self.clock = clock
        self.rpcs = rpcs or RpcWindow(RPC_BUDGET_PER_MIN)
        self._tasks: list[asyncio.Task[None]] = []
        self._gpu_step_began = asyncio.Event()  # or there is none to wait for
        if self.tool_line is None:
            self._gpu_step_began.set()

    @property
    def running(self) -> bool:
        return any(not task.done() for task in self._tasks)

    def start(self) -> None:
        if self._tasks:
            return
        self._tasks.append(asyncio.create_task(self._usage_loop(), name=f"live-sstat-{self.job_id}"))
        if self.tool_line is not None:
            self._tasks.append(asyncio.create_task(self._gpu_loop(), name=f"live-gpu-{self.job_id}"))

    async def stop(self) -> None:
        """Stop sampling; the GPU step's channel is closed (which ends the step) before this returns."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _changed(self) -> None:
        try:
            self.on_change()
        except Exception:  # a broken listener must not stop the sampling
            log.exception("live use listener failed")

    # ---- sstat -----------------------------------------------------------------------------

    async def _room(self, cost: int) -> None:
        """Wait until ``cost`` RPCs fit in the window, and spend them."""
        while not self.rpcs.fits(cost):
            await asyncio.sleep(ROOM_CHECK_S)
        self.rpcs.spend(cost)

    async def _usage_loop(self) -> None:
        await self._gpu_step_began.wait()
        while True:
            await self._room(SSTAT_RPCS)
            await self.read_usage()
            await asyncio.sleep(self.sstat_every_s)

    async def read_usage(self) -> None:
        try:
            result = await self.link.run(sstat_command(self.job_id), timeout=SSTAT_TIMEOUT_S)
            check_errors(result.stderr)
            if not result.ok:
                said = next(iter(result.stderr.strip().splitlines()), "no message")
                raise SlurmError(f"exited with status {result.exit_status}: {said}")
            usage = parse_sstat(result.stdout)
        except (LinkError, SlurmProblem) as error:
            self.live.usage_error = f"sstat: {error}"
        else:
            self.live.add_usage(self.clock(), usage)
        self._changed()

    # ---- GPUs ------------------------------------------------------------------------------

    async def _gpu_loop(self) -> None:
        """One step after the other while each ends by its own time limit; a problem stops it."""
        lock = _STEP_LOCKS.setdefault(self.link, asyncio.Lock())
        try:
            while True:
                async with lock:
                    await self._room(STEP_START_RPCS)
                    self.rpcs.spend(STEP_END_RPCS, at=self.rpcs.clock() + STEP_LIFE_S)
                    self._gpu_step_began.set()
                    again = await self._gpu_step()
                    if not again:  # it ended early: its completion is now, not as planned
                        self.rpcs.cancel_planned()
                        self.rpcs.spend(STEP_END_RPCS)
                self._changed()
                if not again:
                    return
        finally:
            self._gpu_step_began.set()  # sstat goes on without GPU readings

    async def _gpu_step(self) -> bool:
        """Run one GPU step to its end; True when it ended as planned (start the next one)."""
        assert self.tool_line is not None
        command = gpu_step_command(self.job_id, self.tool_line, every_s=round(self.interval_s), life_s=STEP_LIFE_S)
        frames = GpuFrames()
        readings = 0
        try:
            async with self.link.stream(command) as chunks:
                iterator = aiter(chunks)
                while True:
                    async with asyncio.timeout(self.interval_s + STEP_START_S):
                        data = await anext(iterator, None)
                    if data is None:
                        break
                    for frame in frames.feed(data):
                        if not self._take(frame):
                            return False
                        readings += 1
        except TimeoutError:
            self.live.gpu_error = f"no GPU reading within {self.interval_s + STEP_START_S:g} s: step stopped"
            return False
        except LinkError as error:
            self.live.gpu_error = f"GPU step: {error}"
            return False
        if readings == 0:
            said = "; ".join(frames.stray) or "no output"
            self.live.gpu_error = f"the GPU step ended without a reading: {said}"
            return False
        return True

    def _take(self, frame: ToolFrame) -> bool:
        """Record one reading; False (and the reason) when the tool failed."""
        assert self.kind is not None
        if frame.status != 0:
            first = next((line for line in frame.text.splitlines() if line.strip()), "no output")
            self.live.gpu_error = f"{self.tool_line} failed (exit {frame.status}): {first}"
            return False
        try:
            gpus = PARSERS[self.kind](frame.text)
        except SlurmProblem as error:
            self.live.gpu_error = str(error)
            return False
        self.live.add_gpus(self.clock(), gpus)
        self._changed()
        return True
