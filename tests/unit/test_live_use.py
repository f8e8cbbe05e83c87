"""Live use: the warnings (on a fake clock), the RPC budget, the config fields and the sampler
on a fake link (one GPU step per cluster, a failing tool stops the GPU readings)."""

from __future__ import annotations

import asyncio

import pytest
from live_fakes import LiveLink, frame, nvidia

from hpctui.config.load import ConfigError, parse_config
from hpctui.config.model import Cluster, Refresh, Rules, SshTarget
from hpctui.services.live_use import (
    RPC_BUDGET_PER_MIN,
    SSTAT_RPCS,
    STEP_LIFE_S,
    STEP_RPCS,
    LiveSampler,
    LiveUse,
    gpu_tool_kind,
    sstat_every_s,
    usage_warnings,
)
from hpctui.services.rpc_window import RpcWindow
from hpctui.slurm.parse.usage import GpuUse, JobUsage, StepUsage

GIB = 1 << 30


def gpus(*utils: float) -> tuple[GpuUse, ...]:
    return tuple(GpuUse(i, "A100", u, GIB, 40 * GIB) for i, u in enumerate(utils))


def usage(rss: int, cpu_s: float = 0.0) -> JobUsage:
    return JobUsage((StepUsage("1.batch", cpu_s, rss),))


def gpu_readings(utils: list[tuple[float, ...]], every_s: float = 15.0) -> tuple[LiveUse, float]:
    """Readings every ``every_s`` from t=1000; returns the state and the time of the last one."""
    live = LiveUse()
    now = 1000.0
    for i, reading in enumerate(utils):
        now = 1000.0 + i * every_s
        live.add_gpus(now, gpus(*reading))
    return live, now


def test_gpu_idle_for_five_minutes_warns_for_that_gpu_only() -> None:
    live, now = gpu_readings([(3, 80)] * 21)  # 0 .. 300 s
    assert usage_warnings(live, now, None) == ["GPU 0 under 10% for 5 min: is the job using the GPU?"]


def test_gpu_idle_for_less_than_five_minutes_is_no_warning() -> None:
    live, now = gpu_readings([(3,)] * 20)  # 0 .. 285 s
    assert usage_warnings(live, now, None) == []


def test_one_busy_reading_in_the_window_is_no_warning() -> None:
    live, now = gpu_readings([(3,)] * 10 + [(12,)] + [(3,)] * 10)
    assert usage_warnings(live, now, None) == []


def test_memory_over_90_percent_of_the_request_warns_at_once() -> None:
    live = LiveUse()
    live.add_usage(5.0, usage(int(0.95 * GIB)))
    assert usage_warnings(live, 5.0, GIB) == ["memory at 95% of the request: near the out-of-memory kill"]


def test_memory_under_25_percent_warns_after_five_minutes() -> None:
    live = LiveUse()
    for at in (0.0, 60.0, 120.0, 180.0, 240.0):
        live.add_usage(at, usage(GIB // 10))
    assert usage_warnings(live, 240.0, GIB) == []
    live.add_usage(300.0, usage(GIB // 10))
    assert usage_warnings(live, 300.0, GIB) == ["memory under 25% of the request for 5 min: ask for less"]


def test_cpu_cores_between_two_readings() -> None:
    live = LiveUse()
    live.add_usage(0.0, usage(GIB, cpu_s=100.0))
    assert live.cpu_cores() is None
    live.add_usage(60.0, usage(GIB, cpu_s=190.0))
    assert live.cpu_cores() == 1.5


@pytest.mark.parametrize("interval", [10, 15, 20, 30])
def test_the_view_stays_within_the_rpc_budget(interval: float) -> None:
    per_minute = SSTAT_RPCS * 60 / sstat_every_s(interval) + STEP_RPCS * 60 / STEP_LIFE_S
    assert per_minute <= RPC_BUDGET_PER_MIN
    assert sstat_every_s(15) == 60


def cluster(**fields: object) -> Cluster:
    return Cluster(name="c", ssh=SshTarget(alias="c"), refresh=Refresh(live_s=10), **fields)  # type: ignore[arg-type]


def test_gpu_tool_defaults_to_the_site_kind() -> None:
    assert gpu_tool_kind(cluster()) == "nvidia"
    assert gpu_tool_kind(cluster(rules=Rules(rocm=True))) == "rocm"
    assert gpu_tool_kind(cluster(gpu_tool="none")) is None


CONFIG = """\
refresh: {live_s: 20}
clusters:
  - name: a
    ssh: {host: a.example}
    gpu_tool: %s
"""


def test_config_gpu_tool_and_live_interval() -> None:
    config = parse_config(CONFIG % "rocm\n    gpu_tool_command: /opt/rocm/bin/rocm-smi")
    assert config.clusters[0].gpu_tool == "rocm"
    assert config.clusters[0].gpu_tool_command == "/opt/rocm/bin/rocm-smi"
    assert config.clusters[0].refresh.live_s == 20


def test_config_rejects_an_unknown_gpu_tool_with_its_position() -> None:
    with pytest.raises(
        ConfigError, match=r"^cfg.yaml:5:15: clusters\[0\]\.gpu_tool: unknown value 'nvidya'; did you mean 'nvidia'\?"
    ):
        parse_config(CONFIG % "nvidya", "cfg.yaml")


def test_config_rejects_a_live_interval_out_of_range() -> None:
    with pytest.raises(ConfigError, match=r"^cfg.yaml:1:19: refresh.live_s: must be between 10 and 30"):
        parse_config(CONFIG.replace("live_s: 20", "live_s: 5") % "none", "cfg.yaml")


async def settle(condition, rounds: int = 200) -> None:
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never met")


async def test_sampler_reads_sstat_and_gpus_and_closes_the_step_on_stop() -> None:
    link = LiveLink([nvidia(40, 90), nvidia(45, 95)])
    sampler = LiveSampler(link, cluster(), "17000", gpus=True, clock=iter(range(100)).__next__, rpcs=RpcWindow(99))  # type: ignore[arg-type]
    sampler.start()
    await settle(lambda: len(sampler.live.gpus) == 2 and bool(sampler.live.usage))
    assert sampler.live.gpu_series(1) == [90, 95]
    assert sampler.live.rss == (214500 + 2860) * 1024
    assert link.open_steps == 1
    await sampler.stop()
    assert (link.open_steps, link.closed_steps, sampler.running) == (0, 1, False)


async def test_one_gpu_step_per_cluster_at_a_time() -> None:
    link = LiveLink([nvidia(1)])
    first = LiveSampler(link, cluster(), "1", gpus=True, rpcs=RpcWindow(99))  # type: ignore[arg-type]
    second = LiveSampler(link, cluster(), "2", gpus=True, rpcs=RpcWindow(99))  # type: ignore[arg-type]
    first.start()
    second.start()
    await settle(lambda: bool(first.live.gpus) or bool(second.live.gpus))
    await asyncio.sleep(0.05)
    assert link.most_steps == 1
    await first.stop()
    await settle(lambda: bool(second.live.gpus))  # the second step starts once the first is gone
    await second.stop()
    assert link.most_steps == 1 and link.open_steps == 0


async def test_a_failing_tool_stops_the_gpu_readings_with_its_message() -> None:
    link = LiveLink([frame("sh: 1: nvidia-smi: not found", 127)])
    sampler = LiveSampler(link, cluster(), "1", gpus=True)  # type: ignore[arg-type]
    sampler.start()
    await settle(lambda: sampler.live.gpu_error is not None)
    assert (
        sampler.live.gpu_error
        == "nvidia-smi --query-gpu=index,name,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits failed (exit 127): sh: 1: nvidia-smi: not found"
    )
    await settle(lambda: link.closed_steps == 1)
    await sampler.stop()


async def test_the_gpu_step_starts_first_and_sstat_waits_for_room_in_the_minute() -> None:
    now = [0.0]
    link = LiveLink([nvidia(1), nvidia(2)])
    sampler = LiveSampler(link, cluster(), "1", gpus=True, rpcs=RpcWindow(RPC_BUDGET_PER_MIN, lambda: now[0]))  # type: ignore[arg-type]
    sampler.start()
    await settle(lambda: bool(sampler.live.gpus))
    await asyncio.sleep(0.05)
    assert not sampler.live.usage and not any(
        "sstat" in c for c in link.commands
    )  # 2 for the step + 3 would be 5 this minute
    now[0] = 65.5
    await settle(lambda: bool(sampler.live.usage), rounds=400)
    assert sum("sstat" in c for c in link.commands) == 1
    await sampler.stop()
