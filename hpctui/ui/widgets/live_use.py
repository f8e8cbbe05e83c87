"""Live CPU, memory and GPU use of a running job: compact bars, a sparkline per GPU, warnings.

The panel owns its ``LiveSampler``: it samples only while its screen is the one on top and the
job runs (the poller's latest snapshot says so), and stops on unmount, so closing the details or
log screen ends the GPU step. It stays hidden until the first reading arrives.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from hpctui.services.live_use import LiveSampler, LiveUse, usage_warnings
from hpctui.slurm.errors import SlurmProblem
from hpctui.slurm.parse import parse_tres
from hpctui.slurm.parse.usage import GpuUse
from hpctui.slurm.units import slurm_size
from hpctui.visible import visible

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession
    from hpctui.slurm.models import Job

BAR_WIDTH = 10
SPARK = "▁▂▃▄▅▆▇█"
SPARK_POINTS = 12
WATCH_S = 1.0  # how often the panel checks that its screen is on top and the job runs

Part = str | tuple[str, str]


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    filled = round(min(1.0, max(0.0, fraction)) * width)
    return "█" * filled + "░" * (width - filled)


def sparkline(values: list[float], top: float = 100.0) -> str:
    return "".join(SPARK[min(len(SPARK) - 1, int(max(0.0, v) / top * len(SPARK)))] for v in values[-SPARK_POINTS:])


def job_amounts(job: Job) -> tuple[int | None, int | None]:
    """CPUs and memory (bytes) the job was given, from its TRES."""
    try:
        tres = parse_tres(job.tres)
    except SlurmProblem:
        return None, None
    return tres.get("cpu"), tres.get("mem")


def cpu_memory_line(live: LiveUse, cpus: int | None, memory: int | None) -> list[Part]:
    cores = live.cpu_cores()
    parts: list[Part] = [("CPU ", "$text-muted")]
    if cores is None:
        parts.append("— until the next sstat")
    else:
        parts += [
            bar(cores / cpus) + " " if cpus else "",
            f"{cores:.1f}" + (f" of {cpus} CPU{'s' * (cpus != 1)}" if cpus else " CPUs"),
        ]
    rss = live.rss
    parts.append(("   memory ", "$text-muted"))
    if rss is None:
        parts.append("—")
    elif memory:
        parts.append(f"{bar(rss / memory)} {slurm_size(rss)} of {slurm_size(memory)} ({rss / memory:.0%})")
    else:
        parts.append(slurm_size(rss))
    return parts


def gpu_line(live: LiveUse, gpu: GpuUse) -> list[Part]:
    util = "—" if gpu.util_pct is None else f"{bar(gpu.util_pct / 100)} {gpu.util_pct:3.0f}%"
    memory = ""
    if gpu.mem_used is not None and gpu.mem_total:
        memory = (
            f"   memory {bar(gpu.mem_used / gpu.mem_total)} {slurm_size(gpu.mem_used)} of {slurm_size(gpu.mem_total)}"
        )
    return [
        (f"GPU {gpu.index} ", "$text-muted"),
        visible(gpu.name[:24]),
        f"  {util} {sparkline(live.gpu_series(gpu.index))}{memory}",
    ]


def panel_content(live: LiveUse, job: Job, now: float, every_s: float, sstat_s: float) -> Content:
    cpus, memory = job_amounts(job)
    gpus = f"GPUs every {every_s:g} s, " if job.gpus else ""
    lines: list[list[Part]] = [
        [(f"live use · {gpus}CPU and memory every {sstat_s:g} s (sstat)", "$text-muted")],
        cpu_memory_line(live, cpus, memory),
    ]
    lines += [gpu_line(live, gpu) for gpu in live.latest_gpus]
    lines += [[(f"⚠ {warning}", "$text-warning")] for warning in usage_warnings(live, now, memory)]
    lines += [[(visible(error), "$text-error")] for error in (live.usage_error, live.gpu_error) if error]
    parts: list[Part] = []
    for line in lines:
        parts += [*line, "\n"]
    return Content.assemble(*parts[:-1])


class LiveUsePanel(Static):
    DEFAULT_CSS = """
    LiveUsePanel { height: auto; padding: 0 1; display: none; }
    LiveUsePanel.-shown { display: block; }
    """

    def __init__(
        self,
        session: ClusterSession,
        job_id: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, markup=False)
        self.session = session
        self.job_id = job_id
        self.clock = clock
        self.sampler: LiveSampler | None = None

    def on_mount(self) -> None:
        self._on_top_since: float | None = None
        self.set_interval(WATCH_S, self._watch)
        self.app.screen_change_signal.subscribe(self, self._screen_changed)

    async def on_unmount(self) -> None:
        await self._stop()

    def _job(self) -> Job | None:
        return self.session.poller.latest.job(self.job_id)

    async def _screen_changed(self, _screen: object) -> None:
        await self._watch()

    async def _watch(self) -> None:
        """Sample once the screen has been on top for WATCH_S (flipping through screens costs
        the controller nothing) while the job runs; stop as soon as either ends."""
        job = self._job() if self.screen.is_current else None
        if job is None or job.state != "RUNNING":
            if self.screen.is_current:  # the job ended or left: its last reading is not live
                self.remove_class("-shown")
            self._on_top_since = None
            await self._stop()
            return
        now = time.monotonic()
        if self._on_top_since is None:
            self._on_top_since = now
        if self.sampler is None and now - self._on_top_since >= WATCH_S:
            self.sampler = LiveSampler(
                self.session.link,
                self.session.cluster,
                job.unique_id or job.job_id,
                gpus=job.gpus > 0,
                on_change=self._show,
                clock=self.clock,
            )
            self.sampler.start()

    async def _stop(self) -> None:
        sampler, self.sampler = self.sampler, None
        if sampler is not None:
            await sampler.stop()

    def _show(self) -> None:
        sampler, job = self.sampler, self._job()
        if sampler is None or job is None:
            return
        live = sampler.live
        if live.usage or live.gpus:
            self.add_class("-shown")
        self.update(panel_content(live, job, self.clock(), sampler.interval_s, sampler.sstat_every_s))
