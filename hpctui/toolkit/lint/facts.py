"""Facts several rule families need about a shell-like file: environment it sets, programs it
runs, containers it starts, Slurm options it asks for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from hpctui.slurm.errors import SlurmParseError
from hpctui.slurm.parse import parse_duration
from hpctui.toolkit.lint.options import APPTAINER, DOCKER, SLURM, Option, parse_options
from hpctui.toolkit.lint.shellsyntax import Command, ShellScript, Word

CONTAINER_ENV_PREFIXES = ("APPTAINERENV_", "SINGULARITYENV_")
_NAME_VALUE = re.compile(r"^(?P<name>[A-Za-z_]\w*)=(?P<value>.*)$", re.S)
_ENV_OPTIONS = ("--export", "--env", "-e")  # sbatch/srun --export, apptainer --env, docker -e
_ENV_COMMANDS = ("export", "declare", "typeset", "readonly", "local", "env")
_PYTHON = re.compile(r"^(python[\d.]*|torchrun|accelerate|deepspeed)$")


@dataclass(frozen=True)
class Setting:
    """An environment variable the file sets: ``NAME=value`` in any of its forms."""

    name: str
    value: str
    line: int
    col: int


def env_settings(script: ShellScript) -> list[Setting]:
    """Assignments, ``export NAME=...``, ``env NAME=...``, ``--export=ALL,NAME=...``,
    ``apptainer --env NAME=...``, Makefile ``export NAME = ...`` and #SBATCH ``--export``.
    ``APPTAINERENV_NAME`` / ``SINGULARITYENV_NAME`` count as ``NAME`` as well."""
    found: list[Setting] = [Setting(n, v, line, 1) for n, v, line in script.make_env]
    for command in script.commands:
        found.extend(_pairs(command.assignments))
        if command.words and command.words[0].name in _ENV_COMMANDS:
            found.extend(_pairs(command.words[1:]))
        found.extend(_option_pairs(command.words))
    for directive in script.directives:
        found.extend(_option_pairs(directive.words))
    unprefixed = [
        Setting(s.name[len(p) :], s.value, s.line, s.col)
        for s in found for p in CONTAINER_ENV_PREFIXES if s.name.startswith(p)
    ]  # fmt: skip
    return found + unprefixed


def _pairs(words: tuple[Word, ...] | list[Word]) -> Iterator[Setting]:
    for word in words:
        m = _NAME_VALUE.match(word.text)
        if m:
            yield Setting(m["name"], m["value"], word.line, word.col)


def _option_pairs(words: tuple[Word, ...]) -> Iterator[Setting]:
    for k, word in enumerate(words):
        option, eq, value = word.text.partition("=")
        if option not in _ENV_OPTIONS:
            continue
        if not eq:
            if k + 1 >= len(words):
                continue
            value = words[k + 1].text
        for item in value.split(","):
            m = _NAME_VALUE.match(item)
            if m:
                yield Setting(m["name"], m["value"], word.line, word.col)


def settings_of(script: ShellScript, name: str) -> list[Setting]:
    return [s for s in env_settings(script) if s.name == name]


def sets_env(script: ShellScript, name: str, wanted: str | None = None) -> bool:
    """Whether the file sets ``name`` (to a value containing ``wanted``, when given).
    A value the linter cannot see (``$VAR``, ``$(cmd)``) counts as set."""
    for setting in settings_of(script, name):
        if wanted is None or wanted in setting.value or "$" in setting.value:
            return True
    return False


def python_runs(script: ShellScript) -> Iterator[Word]:
    """Where the file starts Python (python, python3.11, torchrun, accelerate, deepspeed)."""
    for command in script.commands:
        if not command.runs_words:
            continue
        for word in command.words:
            if _PYTHON.match(word.name):
                yield word
                break


@dataclass(frozen=True)
class ContainerRun:
    command: Command
    runtime: Word  # apptainer, singularity, docker, podman
    action: str  # exec, run, shell, ...
    options: list[Option]
    operands: list[Word]  # the image, then the command run inside


def container_runs(script: ShellScript) -> Iterator[ContainerRun]:
    for command in script.commands:
        k = command.find("apptainer", "singularity", "docker", "podman")
        if k is None or k + 1 >= len(command.words):
            continue
        runtime, action = command.words[k], command.words[k + 1].text
        rest = command.words[k + 2 :]
        if action == "instance" and rest and rest[0].text == "start":
            action, rest = "instance start", rest[1:]
        if action in ("exec", "run", "shell", "instance start", "test"):
            spec = DOCKER if runtime.name in ("docker", "podman") else APPTAINER
            options, operands = parse_options(rest, spec)
            yield ContainerRun(command, runtime, action, options, operands)


@dataclass(frozen=True)
class SlurmRequest:
    """Slurm options of the job script (#SBATCH) or of one sbatch/srun/salloc command line."""

    options: list[Option]
    tool: Word | None  # the sbatch/srun/salloc word; None for #SBATCH lines

    def get(self, name: str) -> Option | None:
        """The last occurrence wins, as in Slurm."""
        return next((o for o in reversed(self.options) if o.name == name), None)


def directive_request(script: ShellScript) -> SlurmRequest:
    options: list[Option] = []
    for directive in script.directives:
        found, _ = parse_options(directive.words, SLURM)
        options.extend(found)
    return SlurmRequest(options, None)


def command_requests(script: ShellScript) -> Iterator[SlurmRequest]:
    for command in script.commands:
        k = command.find("sbatch", "srun", "salloc")
        if k is not None:
            options, _ = parse_options(command.words[k + 1 :], SLURM)
            yield SlurmRequest(options, command.words[k])


def time_limit_s(value: str) -> float | None:
    """Seconds of a Slurm ``--time``; infinity for UNLIMITED; None when unreadable."""
    if value.strip().upper() in ("UNLIMITED", "INFINITE"):
        return float("inf")
    try:
        seconds = parse_duration(value.strip())
    except SlurmParseError:
        return None
    return None if seconds is None else float(seconds)
