"""sbatch's option table (Slurm 22.05, from ``man sbatch``) and a reader of sbatch words that
follows sbatch's own rules: ``getopt_long`` with ``+`` (options stop at the first operand, the
script), long options as ``--name=value`` or ``--name value``, unambiguous prefixes of long
names (``--part=gpu``), short options as ``-pgpu`` or ``-p gpu`` and clusters of flags (``-Hv``).

Options with an optional value (``--exclusive[=user]``) take it only when attached with ``=``
(or, for short ones, written right after the letter), as getopt does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum


class Arg(Enum):
    NONE = "none"  # a flag: --hold
    REQUIRED = "required"  # --time=10 or --time 10
    OPTIONAL = "optional"  # --exclusive or --exclusive=user, never --exclusive user


_REQUIRED = (
    "account acctg-freq array batch bb bbf begin chdir cluster-constraint clusters comment "
    "constraint container core-spec cores-per-socket cpu-freq cpus-per-gpu cpus-per-task deadline "
    "delay-boot dependency distribution error exclude export export-file extra-node-info gid "
    "gpu-bind gpu-freq gpus gpus-per-node gpus-per-socket gpus-per-task gres gres-flags hint input "
    "job-name kill-on-invalid-dep licenses mail-type mail-user mcs-label mem mem-bind mem-per-cpu "
    "mem-per-gpu mincpus network nodefile nodelist nodes ntasks ntasks-per-core ntasks-per-gpu "
    "ntasks-per-node ntasks-per-socket open-mode output partition power prefer priority profile "
    "qos reservation signal sockets-per-node switches thread-spec threads-per-core time time-min "
    "tmp uid wait-all-nodes wckey wrap"
)
_OPTIONAL = "exclusive get-user-env nice no-kill propagate"
_FLAGS = (
    "contiguous help hold ignore-pbs no-requeue overcommit oversubscribe parsable quiet reboot "
    "requeue spread-job test-only usage use-min-nodes verbose version wait"
)

LONG: dict[str, Arg] = {
    **{name: Arg.REQUIRED for name in _REQUIRED.split()},
    **{name: Arg.OPTIONAL for name in _OPTIONAL.split()},
    **{name: Arg.NONE for name in _FLAGS.split()},
}
SHORT: dict[str, str] = {
    "A": "account", "a": "array", "B": "extra-node-info", "b": "begin", "C": "constraint",
    "c": "cpus-per-task", "D": "chdir", "d": "dependency", "e": "error", "F": "nodefile",
    "G": "gpus", "H": "hold", "h": "help", "i": "input", "J": "job-name", "k": "no-kill",
    "L": "licenses", "M": "clusters", "m": "distribution", "N": "nodes", "n": "ntasks",
    "O": "overcommit", "o": "output", "p": "partition", "Q": "quiet", "q": "qos", "S": "core-spec",
    "s": "oversubscribe", "t": "time", "V": "version", "v": "verbose", "W": "wait", "w": "nodelist",
    "x": "exclude",
}  # fmt: skip
ALIASES = {"cluster": "clusters", "workdir": "chdir"}  # older spellings sbatch still accepts

# Options whose value is free text that may hold spaces (a name, a path, a command): where
# accounting lost the quotes, the words after such a value may belong to it.
TEXT_VALUES = frozenset(
    {"job-name", "comment", "output", "error", "input", "chdir", "export", "wrap", "bb", "container"}
)


@dataclass(frozen=True)
class Given:
    """One option as sbatch read it: its long name and its value (None for a flag)."""

    name: str
    value: str | None
    spelled: str  # the word(s) it was written as, for messages ("-p gpu")


@dataclass(frozen=True)
class Read:
    options: tuple[Given, ...]
    operands: tuple[str, ...]  # the script and its arguments
    unknown: tuple[str, ...]  # words sbatch would refuse ("unrecognized option")


def long_name(text: str) -> str | None:
    """The option ``text`` names: exact, an old alias, or an unambiguous prefix (as getopt_long)."""
    if text in LONG:
        return text
    if text in ALIASES:
        return ALIASES[text]
    matches = [name for name in LONG if name.startswith(text)] if text else []
    return matches[0] if len(matches) == 1 else None


def read_words(words: Sequence[str]) -> Read:
    """Options and operands of sbatch's arguments (the words after ``sbatch``)."""
    options: list[Given] = []
    unknown: list[str] = []
    i = 0
    while i < len(words) and is_option(words[i]) and words[i] != "--":
        found, used, bad = read_option(words[i], words[i + 1] if i + 1 < len(words) else None)
        options += found
        unknown += bad
        i += 1 + used
    if i < len(words) and words[i] == "--":
        i += 1
    return Read(tuple(options), tuple(words[i:]), tuple(unknown))


def read_option(word: str, nxt: str | None) -> tuple[list[Given], int, list[str]]:
    """The option(s) ``word`` writes, how many following words they used (0 or 1), and the
    parts sbatch would refuse."""
    options: list[Given] = []
    unknown: list[str] = []
    reader = _read_long if word.startswith("--") else _read_short
    used = reader(word, nxt, options, unknown)
    return options, used, unknown


def _read_long(word: str, nxt: str | None, options: list[Given], unknown: list[str]) -> int:
    """Read ``--name[=value]``; returns how many following words it used (0 or 1)."""
    text, eq, value = word[2:].partition("=")
    name = long_name(text)
    if name is None:
        unknown.append(word)
        return 0
    kind = LONG[name]
    if eq:
        options.append(Given(name, value, word))
        return 0
    if kind is Arg.REQUIRED and nxt is not None:
        options.append(Given(name, nxt, f"{word} {nxt}"))
        return 1
    if kind is Arg.REQUIRED:
        unknown.append(word)  # sbatch: "option requires an argument"
        return 0
    options.append(Given(name, None, word))
    return 0


def _read_short(word: str, nxt: str | None, options: list[Given], unknown: list[str]) -> int:
    """Read ``-abc``, ``-pNAME``, ``-p NAME``; returns how many following words it used."""
    for j in range(1, len(word)):
        name = SHORT.get(word[j])
        if name is None:
            unknown.append(f"-{word[j]}")
            continue
        kind, attached = LONG[name], word[j + 1 :]
        if kind is Arg.NONE:
            options.append(Given(name, None, f"-{word[j]}"))
            continue
        if attached or kind is Arg.OPTIONAL:
            options.append(Given(name, attached or None, word))
            return 0
        if nxt is None:
            unknown.append(word)
            return 0
        options.append(Given(name, nxt, f"{word} {nxt}"))
        return 1
    return 0


def is_option(word: str) -> bool:
    return word.startswith("-") and len(word) > 1
