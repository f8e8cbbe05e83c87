"""Typed configuration: what the YAML file says, after validation.

Every class is frozen; loading lives in ``hpctui.config.load``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class SshTarget:
    """How to reach a cluster's login node.

    Either ``alias`` (a Host entry of the ssh config) or ``host`` must be set;
    the explicit fields override what the ssh config says for the alias.
    """

    alias: str | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    identity_file: str | None = None
    proxy_jump: str | None = None
    ssh_config: str | None = None  # path of the ssh_config file; None = ~/.ssh/config
    known_hosts: str | None = None  # path; None = ~/.ssh/known_hosts
    forward_agent: bool = False  # never taken from the ssh config's ForwardAgent
    keepalive_s: int = 30
    channels: int = 8  # short-command channels at once on the one connection
    stream_channels: int = 5  # long-lived channels (log tails) at once
    connect_timeout_s: float = 20.0
    command_timeout_s: float = 30.0

    @property
    def destination(self) -> str:
        return self.alias or self.host or ""


@dataclass(frozen=True)
class GpuPartition:
    """A partition whose GPUs the GPU board watches."""

    name: str
    gpu_type: str | None = None  # e.g. "mi250x"; None for CPU-only partitions
    vram_gb: float | None = None  # per GPU
    cores_per_node: int | None = None
    mem_gb_per_node: float | None = None


@dataclass(frozen=True)
class Refresh:
    """Poll intervals. The idle pace (squeue every 60 s, sinfo every 120 s: 3 slurmctld RPCs a
    minute) applies to clusters nobody looks at: another tab, the terminal unfocused, or no key
    for ``idle_after_s``."""

    queue_s: float = 15.0
    gpus_s: float = 60.0
    idle_queue_s: float = 60.0
    idle_gpus_s: float = 120.0
    idle_after_s: float = 300.0


@dataclass(frozen=True)
class Rules:
    """Per-cluster facts the linter checks scripts against (never hard-coded by name)."""

    forbid_mem_partitions: tuple[str, ...] = ()
    thread_cap: int | None = None
    container_binds: tuple[str, ...] = ()  # required -B binds for apptainer/singularity
    required_env: tuple[tuple[str, str], ...] = ()  # (NAME, value) a job must export
    outbound_network: bool = True  # False: WandB etc. must be disabled
    module_pytorch_broken: bool = False
    require_module_purge: bool = False
    lustre_paths: tuple[str, ...] = ()  # prefixes of Lustre file systems
    rocm: bool = False  # GPUs are AMD/ROCm


@dataclass(frozen=True)
class Purge:
    days: int | None = None  # None: no purge policy
    dirs: tuple[str, ...] = ()
    margin_days: int = 7


@dataclass(frozen=True)
class Cluster:
    name: str
    ssh: SshTarget
    queue_user: str | None = None  # None: the login user
    partitions: tuple[GpuPartition, ...] = ()
    project_dir: str | None = None  # remote
    local_project_dir: str | None = None  # for `hpctui sync`
    log_dir: str | None = None  # remote, relative to project_dir when not absolute
    refresh: Refresh = field(default_factory=Refresh)
    env: tuple[tuple[str, str], ...] = ()  # environment defaults for submitted jobs
    rules: Rules = field(default_factory=Rules)
    purge: Purge = field(default_factory=Purge)
    good_for: tuple[str, ...] = ()  # free-text strengths, shown by `choose`
    checkpoint_cmd: str | None = None  # None: the built-in torch one-liner
    line: int = 0  # line of the cluster's entry in the config file


@dataclass(frozen=True)
class MetricPattern:
    name: str
    regex: str


# Every event a notification can be about (hpctui.services.notices makes them).
NOTICE_EVENTS = (
    "started", "completed", "failed", "out_of_memory", "timeout", "node_fail", "preempted", "cancelled",
    "requeued", "nan", "loss_plateau", "silent", "log_error",
)  # fmt: skip
DESKTOP_CHANNELS = ("auto", "osc", "notify-send", "bell")

# Notified unless the config's notifications.events says otherwise: every ending but the user's
# own cancellations, a requeue, and what the open logs show. A job starting is off.
DEFAULT_NOTICE_EVENTS = (
    "completed", "failed", "out_of_memory", "timeout", "node_fail", "preempted", "requeued",
    "nan", "loss_plateau", "silent", "log_error",
)  # fmt: skip


QUIET_HOURS = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")


def quiet_span(text: str) -> tuple[int, int] | None:
    """``"22:00-07:00"`` as (start, end) minutes since midnight (it may span midnight), or
    None when it is not such a range."""
    found = QUIET_HOURS.fullmatch(text.strip())
    if found is None:
        return None
    start_h, start_m, end_h, end_m = (int(part) for part in found.groups())
    if max(start_h, end_h) > 23 or max(start_m, end_m) > 59:
        return None
    return start_h * 60 + start_m, end_h * 60 + end_m


@dataclass(frozen=True)
class Notifications:
    """Which job events reach the user, and how. ``quiet_hours`` ("22:00-07:00", local time):
    no desktop notification or bell then (the history and the toasts still have them)."""

    events: tuple[str, ...] = DEFAULT_NOTICE_EVENTS
    clusters: tuple[str, ...] = ()  # empty: every cluster
    jobs: tuple[str, ...] = ()  # job-name globs; empty: every job
    quiet_hours: str | None = None
    desktop: tuple[str, ...] = ("auto",)  # auto, osc, notify-send, bell; empty: none
    silent_min: float = 30.0  # a running job's followed log without output this long
    plateau_min: float = 60.0  # a followed log's best loss unchanged this long


@dataclass(frozen=True)
class Config:
    clusters: tuple[Cluster, ...]
    theme: str = "hpctui-dark"
    keymap: tuple[tuple[str, str], ...] = ()  # (binding id, keys)
    metrics: tuple[MetricPattern, ...] = ()  # extra patterns; defaults live in services.metrics
    refresh: Refresh = field(default_factory=Refresh)
    log_lines: int = 1000
    log_ring: int = 100_000
    notifications: Notifications = field(default_factory=Notifications)
    source: Path | None = None

    def cluster(self, name: str) -> Cluster:
        for cluster in self.clusters:
            if cluster.name == name:
                return cluster
        known = ", ".join(c.name for c in self.clusters)
        from hpctui.errors import UserError

        raise UserError(f"unknown cluster {name!r} (configured: {known})")
