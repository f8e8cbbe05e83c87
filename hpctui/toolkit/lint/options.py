"""Command-line options of the programs the rules look at (sbatch/srun, rsync, python, bash,
apptainer, docker), read from shell words the way each program reads them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hpctui.toolkit.lint.shellsyntax import Word


@dataclass(frozen=True)
class Option:
    name: str  # long name without dashes ("partition"); an unknown short option keeps its letter
    value: str | None
    word: Word  # the word it was written in


@dataclass(frozen=True)
class OptionSpec:
    short_names: dict[str, str]  # letter -> long name
    short_values: frozenset[str]  # letters that take a value
    long_flags: frozenset[str] = frozenset()  # long options without a value ...
    long_values: frozenset[str] | None = None  # ... or, when set, the only long options with one
    stop_letters: frozenset[str] = frozenset()  # `python -c CMD`, `-m MOD`: the rest are arguments
    permute: bool = False  # options may follow operands (rsync, tippecanoe)

    def long_takes_value(self, name: str) -> bool:
        if self.long_values is not None:
            return name in self.long_values
        return name not in self.long_flags


def parse_options(words: Sequence[Word], spec: OptionSpec) -> tuple[list[Option], list[Word]]:
    """The options and the operands of ``words`` (the arguments after the program name).

    Without ``permute``, everything from the first operand on is an operand."""
    options: list[Option] = []
    operands: list[Word] = []
    i = 0
    while i < len(words):
        word, text = words[i], words[i].text
        nxt = words[i + 1].text if i + 1 < len(words) else None
        if text == "--":
            operands.extend(words[i + 1 :])
            break
        if text.startswith("--"):
            name, eq, value = text[2:].partition("=")
            takes = not eq and spec.long_takes_value(name)
            options.append(Option(name, value if eq else nxt if takes else None, word))
            i += 2 if takes else 1
            continue
        if text.startswith("-") and len(text) > 1:
            used_next, stop = _short_cluster(word, nxt, spec, options)
            i += 2 if used_next else 1
            if stop:
                operands.extend(words[i:])
                break
            continue
        if not spec.permute:
            operands.extend(words[i:])
            break
        operands.append(word)
        i += 1
    return options, operands


def _short_cluster(word: Word, nxt: str | None, spec: OptionSpec, options: list[Option]) -> tuple[bool, bool]:
    """Read ``-abc`` / ``-pNAME`` / ``-p NAME``; returns (used the next word, stop reading options)."""
    text = word.text
    for j in range(1, len(text)):
        letter = text[j]
        name = spec.short_names.get(letter, letter)
        if letter in spec.short_values or letter in spec.stop_letters:
            attached = text[j + 1 :]
            options.append(Option(name, attached or nxt, word))
            return not attached, letter in spec.stop_letters
        options.append(Option(name, None, word))
    return False, False


def values(options: Sequence[Option], *names: str) -> list[Option]:
    return [o for o in options if o.name in names]


SLURM = OptionSpec(
    short_names={
        "A": "account", "a": "array", "B": "extra-node-info", "b": "begin", "C": "constraint",
        "c": "cpus-per-task", "D": "chdir", "d": "dependency", "e": "error", "F": "nodefile",
        "G": "gpus", "H": "hold", "i": "input", "I": "immediate", "J": "job-name", "k": "no-kill",
        "K": "kill-on-bad-exit", "L": "licenses", "l": "label", "M": "clusters", "m": "distribution",
        "N": "nodes", "n": "ntasks", "O": "overcommit", "o": "output", "p": "partition", "Q": "quiet",
        "q": "qos", "S": "core-spec", "s": "oversubscribe", "t": "time", "u": "unbuffered",
        "v": "verbose", "W": "wait", "w": "nodelist", "x": "exclude", "X": "disable-status",
    },
    short_values=frozenset("AaBbCcDdeFGiJLMmNnopqStwx"),
    long_flags=frozenset({
        "requeue", "no-requeue", "hold", "parsable", "wait", "test-only", "pty", "overlap",
        "unbuffered", "label", "quiet", "verbose", "kill-on-bad-exit", "overcommit", "contiguous",
        "spread-job", "use-min-nodes", "exclusive", "oversubscribe", "reboot", "ignore-pbs",
        "get-user-env", "no-kill", "immediate", "help", "usage", "version", "multi-prog",
        "disable-status", "exact", "whole", "propagate", "x11", "preserve-env", "no-allocate",
    }),
)  # fmt: skip

PYTHON = OptionSpec(
    short_names={},
    short_values=frozenset("WX"),
    long_flags=frozenset({"help", "version"}),
    stop_letters=frozenset("cm"),
)

SHELL = OptionSpec(short_names={}, short_values=frozenset("oO"), long_values=frozenset({"rcfile", "init-file"}))

DOCKER = OptionSpec(
    short_names={"i": "interactive", "t": "tty", "d": "detach"},
    short_values=frozenset("acehlmpuvw"),
    long_flags=frozenset({
        "rm", "interactive", "tty", "detach", "privileged", "init", "read-only", "help",
        "no-healthcheck", "oom-kill-disable", "publish-all", "disable-content-trust", "quiet",
    }),
)  # fmt: skip

APPTAINER = OptionSpec(
    short_names={"B": "bind", "H": "home", "W": "workdir", "S": "scratch", "o": "overlay", "e": "cleanenv", "c": "contain", "C": "containall"},
    short_values=frozenset("BHWSo"),
    long_values=frozenset({
        "bind", "mount", "env", "env-file", "home", "workdir", "scratch", "overlay", "pwd",
        "security", "apply-cgroups", "hostname", "network", "network-args", "dns", "fusemount",
        "app", "drop-caps", "add-caps", "cpus", "memory", "memory-reservation", "memory-swap",
        "cpu-shares", "cpuset-cpus", "cpuset-mems", "blkio-weight", "blkio-weight-device",
    }),
)  # fmt: skip

RSYNC = OptionSpec(
    short_names={"e": "rsh", "f": "filter", "T": "temp-dir", "B": "block-size", "M": "remote-option"},
    short_values=frozenset("efTBM"),
    long_values=frozenset({
        "exclude", "include", "filter", "exclude-from", "include-from", "files-from", "rsh",
        "temp-dir", "partial-dir", "log-file", "log-file-format", "backup-dir", "suffix", "chmod",
        "chown", "block-size", "bwlimit", "timeout", "contimeout", "remote-option", "rsync-path",
        "compare-dest", "copy-dest", "link-dest", "max-size", "min-size", "max-delete",
        "modify-window", "port", "password-file", "out-format", "info", "debug", "compress-level",
        "compress-choice", "zc", "zl", "skip-compress", "iconv", "sockopts", "usermap", "groupmap",
        "protocol", "checksum-choice", "cc", "outbuf", "stop-after", "stop-at", "address",
        "early-input", "write-batch", "only-write-batch", "read-batch", "max-alloc", "checksum-seed",
    }),
    permute=True,
)  # fmt: skip

TIPPECANOE = OptionSpec(
    short_names={"o": "output", "e": "output-to-directory", "t": "temporary-directory"},
    short_values=frozenset("oetlLnNAzZBbdDmMrRsSTExyjJCcapgK"),
    long_values=frozenset({"output", "output-to-directory", "temporary-directory"}),
    permute=True,
)
