"""The config file's schema: one table per dataclass of ``hpctui.config.model``."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hpctui.config.keymap import unknown_binding_id
from hpctui.config.model import (
    DESKTOP_CHANNELS,
    NOTICE_EVENTS,
    Cluster,
    Config,
    GpuPartition,
    MetricPattern,
    Notifications,
    Purge,
    Refresh,
    Rules,
    SshTarget,
    quiet_span,
)
from hpctui.config.schema import (
    BOOLEAN,
    INTEGER,
    NUMBER,
    Field,
    Invalid,
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
    show,
    suggest,
    text,
    text_pairs,
    valid_regex,
)
from hpctui.slurm.commands import PARTITION_NAME

if TYPE_CHECKING:
    import yaml
    from yaml.nodes import Node

THEMES = ("hpctui-dark", "hpctui-light", "hpctui-contrast")
CLUSTER_NAME = r"[A-Za-z0-9_-]+"
ENV_NAME = r"[A-Za-z_][A-Za-z0-9_]*"

# A login name or numeric uid as squeue/sacct --user take it (sssd's user@domain too); anything
# else (a space, a comma) makes every poll fail at run time.
USER_NAME = r"[A-Za-z0-9_][A-Za-z0-9_.@-]*"


def remote_path(value: str) -> str | None:
    """What the remote commands (mkdir, cd, find, rsync) would take for something else."""
    if value.startswith("-"):
        return f"{show(value)} would be read as an option: start it with / or ./"
    if "\n" in value or "\r" in value:
        return f"{show(value)}: a path cannot hold a line break"
    return None


def absolute(value: str) -> str | None:
    return None if value.startswith("/") else f"{show(value)} must be an absolute path"


TEXT = Field(text, checks=(non_empty,))
PARTITION_FIELD = Field(text, checks=(matches(PARTITION_NAME.pattern),))
REMOTE_PATH = Field(text, checks=(non_empty, remote_path))
REMOTE_DIR = Field(text, checks=(non_empty, absolute, remote_path))
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


REFRESH_FIELDS = {
    "queue_s": SECONDS,
    "gpus_s": SECONDS,
    "idle_queue_s": SECONDS,
    "idle_gpus_s": SECONDS,
    "idle_after_s": SECONDS,
}

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
        "name": Field(text, required=True, checks=(matches(PARTITION_NAME.pattern),)),
        "gpu_type": TEXT,
        "vram_gb": SIZE,
        "cores_per_node": COUNT,
        "mem_gb_per_node": SIZE,
    },
    build=GpuPartition,
)

RULES = Schema(
    {
        "forbid_mem_partitions": Field(seq_of(PARTITION_FIELD.validate)),
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
    # dirs: `find` starts from the home directory with a relative path, and takes "-..." for an expression
    {"days": COUNT, "dirs": Field(seq_of(REMOTE_DIR.validate)), "margin_days": Field(INTEGER, checks=(non_negative,))},
    build=Purge,
)

# Left as a dict: its refresh overrides the global one field by field (see build_config).
CLUSTER = Schema(
    {
        "name": Field(text, required=True, checks=(matches(CLUSTER_NAME),)),
        "ssh": Field(mapping(SSH), required=True),
        "queue_user": Field(text, checks=(matches(USER_NAME),)),
        "partitions": Field(seq_of(mapping(PARTITION), unique="name")),
        "project_dir": REMOTE_PATH,
        "local_project_dir": LOCAL_PATH,
        "log_dir": REMOTE_PATH,
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


def quiet_hours(value: str) -> str | None:
    span = quiet_span(value)
    if span is None:
        return f"{show(value)} is not a time range; expected HH:MM-HH:MM, e.g. 22:00-07:00"
    return f"{show(value)} is empty: start and end are the same" if span[0] == span[1] else None


class Located(str):
    """A string of the config that remembers where it was written, for a check that needs
    another section (``notifications.clusters`` against ``clusters``)."""

    mark: yaml.Mark
    where: str


def located(node: Node, where: str) -> Located:
    value = Located(text(node, where))
    value.mark, value.where = node.start_mark, where
    return value


def _choice(*choices: str) -> Field:
    return Field(text, checks=(one_of(*choices),))


NOTIFICATIONS = Schema(
    {
        "events": Field(seq_of(_choice(*NOTICE_EVENTS).validate)),
        "clusters": Field(seq_of(Field(located, checks=(matches(CLUSTER_NAME),)).validate)),
        "jobs": TEXT_LIST,
        "quiet_hours": Field(text, checks=(quiet_hours,)),
        "desktop": Field(seq_of(_choice(*DESKTOP_CHANNELS).validate)),
        "silent_min": SECONDS,
        "plateau_min": SECONDS,
    },
)  # left as a dict until the clusters are checked against it (see build_config)


def _notified_clusters_known(values: dict[str, Any]) -> str | None:
    """notifications.clusters may only name configured clusters (a typo would silence them)."""
    known = [cluster["name"] for cluster in values.get("clusters", ())]
    for name in values.get("notifications", {}).get("clusters", ()):
        if name not in known:
            raise Invalid(name.mark, f"{name.where}: unknown cluster {show(str(name))}; {suggest(name, known)}")
    return None


def build_config(
    clusters: tuple[dict[str, Any], ...],
    refresh: Refresh = Refresh(),
    notifications: dict[str, Any] | None = None,
    **rest: Any,
) -> Config:
    """Build the Config once the global refresh is known, so clusters can inherit it."""
    built = tuple(
        Cluster(**{**cluster, "refresh": replace(refresh, **cluster.get("refresh", {}))}) for cluster in clusters
    )
    given: dict[str, Any] = {
        key: tuple(map(str, value)) if key == "clusters" else value for key, value in (notifications or {}).items()
    }
    return Config(clusters=built, refresh=refresh, notifications=Notifications(**given), **rest)


CONFIG = Schema(
    {
        "theme": Field(text, checks=(one_of(*THEMES),)),
        "refresh": Field(mapping(Schema(REFRESH_FIELDS, build=Refresh))),
        "keymap": Field(text_pairs(unknown_binding_id)),
        "metrics": Field(seq_of(mapping(METRIC), unique="name")),
        "log_lines": COUNT,
        "log_ring": COUNT,
        "clusters": Field(seq_of(mapping(CLUSTER), unique="name", needs_one="cluster"), required=True),
        "notifications": Field(mapping(NOTIFICATIONS)),
    },
    build=build_config,
    checks=(_notified_clusters_known,),
)

validate_config = mapping(CONFIG)
