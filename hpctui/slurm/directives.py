"""The ``#SBATCH`` lines of a batch script, read the way sbatch reads them. Shared by resubmit
(which options the script sets itself) and the linter (which lines sbatch ignores).

sbatch's rules (src/sbatch/opt.c, 22.05): a line that starts with ``#SBATCH`` is a directive
(``#SBATCHX`` too, which newer sbatch refuses: it is taken here as a comment);
any other line that holds something other than blanks before a ``#`` is a command, and sbatch
stops reading directives at the first one. In a directive, words are split at blanks, quotes
group, a backslash escapes the next character and an unquoted ``#`` starts a comment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hpctui.slurm.sbatch_options import Read, read_words

MAGIC = "#SBATCH"


@dataclass(frozen=True)
class DirectiveLine:
    line: int  # 1-based
    column: int  # 1-based column where the options start (just after #SBATCH)
    text: str  # the options, as written
    read: bool  # False: after the first command, where sbatch no longer looks


@dataclass(frozen=True)
class ScriptDirectives:
    lines: tuple[DirectiveLine, ...]
    first_command_line: int | None  # where sbatch stops reading #SBATCH lines

    @property
    def read(self) -> tuple[DirectiveLine, ...]:
        return tuple(d for d in self.lines if d.read)

    def options(self) -> Read:
        """The options sbatch takes from the script (the last of a name wins, as in sbatch)."""
        return read_words([word for d in self.read for word in directive_words(d.text)])

    def sets(self, *names: str) -> bool:
        """Whether the script itself sets one of the options ``names`` (long names)."""
        return any(g.name in names for g in self.options().options)

    def get(self, name: str) -> str | None:
        found = [g for g in self.options().options if g.name == name]
        return None if not found else (found[-1].value or "")


def read_directives(script: str | Sequence[str]) -> ScriptDirectives:
    """Every ``#SBATCH`` line of ``script`` (text, or its lines without newlines)."""
    lines = script.split("\n") if isinstance(script, str) else script
    found: list[DirectiveLine] = []
    first_command: int | None = None
    for number, text in enumerate(lines, 1):
        if text.startswith(MAGIC) and text[len(MAGIC) : len(MAGIC) + 1] in ("", " ", "\t"):
            found.append(DirectiveLine(number, len(MAGIC) + 1, text[len(MAGIC) :], first_command is None))
        elif first_command is None and _is_command(text):
            first_command = number
    return ScriptDirectives(tuple(found), first_command)


def _is_command(text: str) -> bool:
    stripped = text.lstrip()
    return bool(stripped) and not stripped.startswith("#")


def directive_words(text: str) -> list[str]:
    """The words of one directive's options, split as sbatch splits them."""
    words: list[str] = []
    current: list[str] = []
    in_word = False
    quote: str | None = None
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            current.append(text[i + 1])
            in_word, i = True, i + 2
            continue
        if quote is not None:
            if c == quote:
                quote = None
            else:
                current.append(c)
        elif c in "'\"":
            quote, in_word = c, True
        elif c == "#":
            break
        elif c.isspace():
            if in_word:
                words.append("".join(current))
            current, in_word = [], False
        else:
            current.append(c)
            in_word = True
        i += 1
    if in_word:
        words.append("".join(current))
    return words
