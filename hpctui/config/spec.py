"""The config file's schema: one table per dataclass of ``hpctui.config.model``."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from hpctui.config.model import (
    Cluster,
    Config,
    GpuPartition,
    MetricPattern,
    Purge,
    Refresh,
    Rules,
    SshTarget,
)
from hpctui.config.schema import (
    BOOLEAN,
    INTEGER,
    NUMBER,
    Field,
    Schema,
    between,
    captures,
    converted,
    mapping,
    matches,
    non_empty,
    non_negative,
    one_of,
    positive,
    seq_of,
    text,
    text_pairs,
    valid_regex,
)

THEMES = ("hpctui-dark", "hpctui-light", "hpctui-contrast")
CLUSTER_NAME = r"[A-Za-z0-9_-]+"
ENV_NAME = r"[A-Za-z_][A-Za-z0-9_]*"

TEXT = Field(text, checks=(non_empty,))
REQUIRED_TEXT = Field(text, required=True, checks=(non_empty,))
LOCAL_PATH = Field(converted(text, os.path.expanduser), checks=(non_empty,))
TEXT_LIST = Field(seq_of(text))
FLAG = Field(BOOLEAN)
COUNT = Field(INTEGER, checks=(positive,))
SECONDS = Field(NUMBER, checks=(positive,))
SIZE = Field(NUMBER, checks=(positive,))
ENV = Field(text_pairs(matches(ENV_NAME)))


def _alias_or_host(values: dict[str, Any]) -> str | None:
    if "alias" in values or "host" in values:
        return None
    return "ssh needs 'alias' (a Host of your ssh config) or 'host'"


REFRESH_FIELDS = {"queue_s": SECONDS, "gpus_s": SECONDS}

SSH = Schema(
    {
        "alias": TEXT,
        "host": TEXT,
        "port": Field(INTEGER, checks=(between(1, 65535),)),
        "user": TEXT,
        "identity_file": LOCAL_PATH,
        "proxy_jump": TEXT,
        "ssh_config": LOCAL_PATH,
        "known_hosts": LOCAL_PATH,
        "forward_agent": FLAG,
        "keepalive_s": Field(INTEGER, checks=(non_negative,)),
        "channels": COUNT,
        "stream_channels": COUNT,
        "connect_timeout_s": SECONDS,
        "command_timeout_s": SECONDS,
    },
    build=SshTarget,
    checks=(_alias_or_host,),
)

PARTITION = Schema(
    {
        "name": REQUIRED_TEXT,
        "gpu_type": TEXT,
        "vram_gb": SIZE,
        "cores_per_node": COUNT,
        "mem_gb_per_node": SIZE,
    },
    build=GpuPartition,
)

RULES = Schema(
    {
        "forbid_mem_partitions": TEXT_LIST,
        "thread_cap": COUNT,
        "container_binds": TEXT_LIST,
        "required_env": ENV,
        "outbound_network": FLAG,
        "module_pytorch_broken": FLAG,
        "require_module_purge": FLAG,
        "lustre_paths": TEXT_LIST,
        "rocm": FLAG,
    },
    build=Rules,
)

PURGE = Schema(
    {"days": COUNT, "dirs": TEXT_LIST, "margin_days": Field(INTEGER, checks=(non_negative,))},
    build=Purge,
)

# Left as a dict: its refresh overrides the global one field by field (see build_config).
CLUSTER = Schema(
    {
        "name": Field(text, required=True, checks=(matches(CLUSTER_NAME),)),
        "ssh": Field(mapping(SSH), required=True),
        "queue_user": TEXT,
        "partitions": Field(seq_of(mapping(PARTITION), unique="name")),
        "project_dir": TEXT,
        "local_project_dir": LOCAL_PATH,
        "log_dir": TEXT,
        "refresh": Field(mapping(Schema(REFRESH_FIELDS))),
        "env": ENV,
        "rules": Field(mapping(RULES)),
        "purge": Field(mapping(PURGE)),
        "good_for": TEXT_LIST,
        "checkpoint_cmd": TEXT,
    },
    line_key="line",
)

METRIC = Schema(
    {"name": REQUIRED_TEXT, "regex": Field(text, required=True, checks=(valid_regex, captures))},
    build=MetricPattern,
)


def build_config(clusters: tuple[dict[str, Any], ...], refresh: Refresh = Refresh(), **rest: Any) -> Config:
    """Build the Config once the global refresh is known, so clusters can inherit it."""
    built = tuple(
        Cluster(**{**cluster, "refresh": replace(refresh, **cluster.get("refresh", {}))}) for cluster in clusters
    )
    return Config(clusters=built, refresh=refresh, **rest)


CONFIG = Schema(
    {
        "theme": Field(text, checks=(one_of(*THEMES),)),
        "refresh": Field(mapping(Schema(REFRESH_FIELDS, build=Refresh))),
        "keymap": Field(text_pairs(non_empty)),
        "metrics": Field(seq_of(mapping(METRIC), unique="name")),
        "log_lines": COUNT,
        "log_ring": COUNT,
        "clusters": Field(seq_of(mapping(CLUSTER), unique="name", needs_one="cluster"), required=True),
    },
    build=build_config,
)

validate_config = mapping(CONFIG)
