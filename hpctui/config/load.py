"""Finding, reading and validating the config file.

Search order: the explicit path (``--config``), which must exist; otherwise the
first existing file of ``$HPCTUI_CONFIG`` and ``$XDG_CONFIG_HOME/hpctui/config.yaml``
(``~/.config/hpctui/config.yaml`` when the variable is unset or not absolute).
Every problem raises ``ConfigError`` with the message ``PATH:LINE:COL: what is wrong``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import yaml

from hpctui.config.model import Config
from hpctui.config.schema import Invalid
from hpctui.config.spec import validate_config
from hpctui.errors import UserError

EXAMPLE = "example.yaml"  # package data of hpctui.config: what `hpctui config example` prints
WRITE_ONE = "run `hpctui init` to write one from your ssh config (`hpctui config example` shows every setting)"


class ConfigError(UserError):
    """A config problem, reported as one line (with ``PATH:LINE:COL:`` when known)."""

    @classmethod
    def at(cls, source: str | Path, line: int, column: int, what: str) -> ConfigError:
        """``line`` and ``column`` are 0-based, as in YAML marks; the message is 1-based."""
        return cls(f"{source}:{line + 1}:{column + 1}: {what}")


@dataclass(frozen=True)
class Candidate:
    path: Path
    origin: str  # where the path comes from: "--config", "$HPCTUI_CONFIG", "XDG"


def config_candidates(explicit: str | Path | None = None) -> list[Candidate]:
    """Every place a config may come from, in search order."""
    found = []
    if explicit is not None:
        found.append(Candidate(Path(explicit), "--config"))
    if os.environ.get("HPCTUI_CONFIG"):
        found.append(Candidate(Path(os.environ["HPCTUI_CONFIG"]).expanduser(), "$HPCTUI_CONFIG"))
    found.append(Candidate(_xdg_config_home() / "hpctui" / "config.yaml", "XDG"))
    return found


def default_config_path() -> Path:
    """Where ``hpctui`` without ``--config`` looks first: where ``hpctui init`` writes."""
    return config_candidates()[0].path


def example_config() -> str:
    """The documented example config shipped in the package."""
    return resources.files("hpctui.config").joinpath(EXAMPLE).read_text(encoding="utf-8")


def config_search_paths(explicit: str | Path | None = None) -> list[Path]:
    return [candidate.path for candidate in config_candidates(explicit)]


def _xdg_config_home() -> Path:
    # The XDG spec says to ignore a relative $XDG_CONFIG_HOME.
    configured = os.environ.get("XDG_CONFIG_HOME", "")
    return Path(configured) if os.path.isabs(configured) else Path.home() / ".config"


def find_config(explicit: str | Path | None = None) -> Path:
    """The file to load; raises ConfigError naming the searched paths when there is none."""
    if explicit is not None:
        return Path(explicit)
    paths = config_search_paths()
    for path in paths:
        if path.is_file():
            return path
    searched = ", ".join(str(path) for path in paths)
    raise ConfigError(f"no config file found (searched: {searched}); {WRITE_ONE}")


def load_config(path: str | Path | None = None) -> Config:
    source = find_config(path)
    return parse_config(_read(source), source)


def _read(source: Path) -> str:
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{source}: config file not found; `hpctui init --output {source}` writes one") from None
    except OSError as exc:
        raise ConfigError(f"{source}: cannot read the config file: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(data[: exc.start].decode("utf-8", "replace"), None)
        raise ConfigError.at(source, line, column, "the file is not UTF-8 text") from None


def parse_config(text: str, source: str | Path = "<config>") -> Config:
    """Validate config text; ``source`` only names the file in messages."""
    root = _compose(text, source)
    if root is None:
        raise ConfigError.at(source, 0, 0, "the config is empty; it needs at least a 'clusters' list")
    try:
        config: Config = validate_config(root, "")
    except Invalid as problem:
        raise ConfigError.at(source, problem.mark.line, problem.mark.column, problem.what) from None
    return replace(config, source=Path(source))


def _compose(text: str, source: str | Path) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        line, column = (mark.line, mark.column) if mark else (0, 0)
        raise ConfigError.at(source, line, column, f"invalid YAML: {what}") from None
    except yaml.reader.ReaderError as exc:
        line, column = _position(text, exc.position)
        character = chr(exc.character) if isinstance(exc.character, int) else exc.character
        raise ConfigError.at(source, line, column, f"invalid YAML: character {character!r} is not allowed") from None
    except RecursionError:
        raise ConfigError.at(source, 0, 0, "invalid YAML: nested too deeply") from None


def _position(text: str, index: int | None) -> tuple[int, int]:
    """0-based line and column of ``text[index]`` (``None``: the end of ``text``)."""
    before = text if index is None else text[:index]
    return before.count("\n"), len(before) - (before.rfind("\n") + 1)
