"""The resolved config as readable YAML (for ``hpctui config check``)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml

from hpctui.config.model import Config


def plain(value: Any) -> Any:
    """Dataclasses to dicts, tuples to lists, ``(name, value)`` pair fields to mappings.

    Unset fields (None, empty) are left out to keep the output short.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {field.name: _field_value(value, field) for field in dataclasses.fields(value)}
        return {name: item for name, item in fields.items() if item not in (None, [], {})}
    if isinstance(value, tuple):
        return [plain(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    return value


def _field_value(obj: Any, field: dataclasses.Field[Any]) -> Any:
    value = getattr(obj, field.name)
    if str(field.type).startswith("tuple[tuple[str, str]"):
        return dict(value)
    return plain(value)


def _dump(data: Any) -> str:
    return str(yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100))


def render_config(config: Config) -> str:
    """Settings first, then one block per cluster (the YAML stays loadable)."""
    settings = plain(config)
    settings.pop("clusters")
    blocks = [_dump(settings).rstrip("\n"), "clusters:"]
    for cluster in config.clusters:
        fields = plain(cluster)
        line = fields.pop("line")
        blocks.append(f"\n# {cluster.name}: line {line} of {config.source}\n" + _dump([fields]).rstrip("\n"))
    return "\n".join(blocks) + "\n"
