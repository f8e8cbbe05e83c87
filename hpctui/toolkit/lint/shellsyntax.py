"""A small, tolerant reader for shell scripts and Makefile recipes.

Not a shell parser: just enough structure for the rules to look at commands and their
arguments instead of grepping raw text. It knows comments, quotes, backslash and quote
continuation lines, heredocs (their bodies are text, not commands), redirections,
command substitutions (kept inside their word), ``#SBATCH`` lines and, for Makefiles,
recipe lines with ``$(VAR)`` expanded from the Makefile's own assignments.
Every word keeps the line and column it was written at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from hpctui.slurm.directives import ScriptDirectives, read_directives

Pos = tuple[int, int]  # (line, col), both 1-based


@dataclass(frozen=True)
class LogicalLine:
    """One shell line: continuation lines joined, comments removed."""

    text: str
    positions: tuple[Pos, ...]  # where each character of ``text`` was written

    def at(self, index: int) -> Pos:
        return self.positions[min(max(index, 0), len(self.positions) - 1)]

    @property
    def line(self) -> int:
        return self.positions[0][0]


@dataclass(frozen=True)
class Word:
    text: str  # quotes and escapes removed; substitutions kept as written
    raw: str
    line: int
    col: int

    @property
    def name(self) -> str:
        """The basename: ``/usr/bin/python3`` -> ``python3``."""
        return self.text.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Command:
    """A simple command: words after leading keywords (``if``, ``then``, ``!`` ...) and assignments."""

    words: tuple[Word, ...]
    assignments: tuple[Word, ...]

    @property
    def runs_words(self) -> bool:
        """False for an empty command and for echo/printf, whose words are only printed."""
        return bool(self.words) and self.words[0].name not in ("echo", "printf")

    def find(self, *names: str) -> int | None:
        """Index of the first word named one of ``names`` (so ``srun -n1 rsync ...`` finds rsync)."""
        if not self.runs_words:
            return None
        return next((i for i, w in enumerate(self.words) if w.name in names), None)


@dataclass(frozen=True)
class Heredoc:
    lines: tuple[tuple[int, str], ...]  # (line number, text)

    @property
    def text(self) -> str:
        return "\n".join(text for _, text in self.lines)


@dataclass(frozen=True)
class Directive:
    """One ``#SBATCH`` line, its options as words (which lines count: ``hpctui.slurm.directives``)."""

    words: tuple[Word, ...]
    line: int
    read: bool = True  # False: after the first command, where sbatch ignores it


@dataclass(frozen=True)
class ShellScript:
    logical: tuple[LogicalLine, ...]
    heredocs: tuple[Heredoc, ...]
    directives: tuple[Directive, ...]  # every #SBATCH line, read by sbatch or not
    first_command_line: int | None  # where sbatch stops reading #SBATCH lines
    make_env: tuple[tuple[str, str, int], ...] = ()  # Makefile `export NAME = value`: (name, value, line)

    @cached_property
    def commands(self) -> tuple[Command, ...]:
        return tuple(c for line in self.logical for c in split_commands(line))

    def search(self, pattern: re.Pattern[str]) -> Pos | None:
        """Where ``pattern`` first matches the code (comments excluded, heredoc bodies included)."""
        for line in self.logical:
            m = pattern.search(line.text)
            if m:
                return line.at(m.start())
        for doc in self.heredocs:
            for number, text in doc.lines:
                m = pattern.search(text)
                if m:
                    return number, m.start() + 1
        return None


# ---------------------------------------------------------------- logical lines

_COMMENT_BEFORE = " \t\n;&|()"
_HEREDOC = re.compile(r"""(?<!<)<<(-?)\s*(['"]?)([A-Za-z_][\w.-]*)\2""")


def _scan(text: str, pos: Sequence[Pos], out: list[tuple[str, Pos]], quote: str | None) -> tuple[str | None, bool]:
    """Append ``text``'s code characters to ``out``; returns (open quote, continues on the next line)."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if quote == "'":
            quote = None if c == "'" else quote
        elif c == "\\":
            if i == n - 1:
                return quote, True
            out.append((c, pos[i]))
            i += 1
            c = text[i]
        elif quote == '"':
            quote = None if c == '"' else quote
        elif c == "#" and (not out or out[-1][0] in _COMMENT_BEFORE):
            return quote, False
        elif c in "'\"":
            quote = c
        out.append((c, pos[i]))
        i += 1
    return quote, False


def _logical_lines(physical: Sequence[tuple[str, Sequence[Pos]]]) -> tuple[list[LogicalLine], list[Heredoc]]:
    logical: list[LogicalLine] = []
    heredocs: list[Heredoc] = []
    out: list[tuple[str, Pos]] = []
    quote: str | None = None
    i = 0
    while i < len(physical):
        text, pos = physical[i]
        i += 1
        quote, continued = _scan(text, pos, out, quote)
        if continued:
            continue
        if quote:
            out.append(("\n", pos[-1] if pos else (0, 0)))
            continue
        if "".join(c for c, _ in out).strip():
            line = LogicalLine("".join(c for c, _ in out), tuple(p for _, p in out))
            logical.append(line)
            for m in _HEREDOC.finditer(line.text):
                body, i = _heredoc_body(physical, i, m[3], strip_tabs=bool(m[1]))
                heredocs.append(body)
        out = []
    if out and "".join(c for c, _ in out).strip():
        logical.append(LogicalLine("".join(c for c, _ in out), tuple(p for _, p in out)))
    return logical, heredocs


def _heredoc_body(
    physical: Sequence[tuple[str, Sequence[Pos]]], start: int, delimiter: str, strip_tabs: bool
) -> tuple[Heredoc, int]:
    lines = []
    i = start
    while i < len(physical):
        text, pos = physical[i]
        i += 1
        if (text.lstrip("\t") if strip_tabs else text).rstrip() == delimiter:
            break
        lines.append((pos[0][0] if pos else 0, text))
    return Heredoc(tuple(lines)), i


def _positions(number: int, text: str, first_col: int = 1) -> tuple[Pos, ...]:
    return tuple((number, first_col + k) for k in range(len(text))) or ((number, first_col),)


def logical_line(text: str, number: int, first_col: int = 1) -> LogicalLine | None:
    """One physical line read as shell (comments removed); None when it holds no code."""
    lines, _ = _logical_lines([(text, _positions(number, text, first_col))])
    return lines[0] if lines else None


# ---------------------------------------------------------------- commands and words

_REDIRECT = re.compile(r"&>>?|<<<|<<-?|<>|>>|>&|<&|>\||[<>]")
_FD_TARGET = re.compile(r"\s*(\d+|-)(?=[\s;&|)]|$)")
_KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!", "time", "{", "}", "case", "esac"}
)
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*(\[[^]]*\])?\+?=")


class _Tokenizer:
    """Splits one logical line into simple commands (at ; & | && || newlines and parentheses)."""

    def __init__(self, line: LogicalLine) -> None:
        self.line, self.s, self.i = line, line.text, 0
        self.commands: list[Command] = []
        self.words: list[Word] = []
        self.raw: list[str] = []
        self.text: list[str] = []
        self.start: int | None = None
        self.skip_next = False  # the next word is a redirection target

    def run(self) -> list[Command]:
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in " \t":
                self.end_word()
                self.i += 1
            elif c == "&" and s.startswith("&>", self.i) or c in "<>":
                self.redirect()
            elif c in ";|&\n()":
                self.end_command()
                self.i += 1
            elif c == "'":
                end = s.find("'", self.i + 1)
                end = len(s) if end < 0 else end
                self.add(s[self.i : end + 1], s[self.i + 1 : end], end + 1)
            elif c == '"':
                self.double()
            elif c == "\\":
                self.add(s[self.i : self.i + 2], s[self.i + 1 : self.i + 2], self.i + 2)
            elif s.startswith(("$(", "${"), self.i) or c == "`":
                end = _substitution_end(s, self.i)
                self.add(s[self.i : end], s[self.i : end], end)
            else:
                self.add(c, c, self.i + 1)
        self.end_command()
        return self.commands

    def add(self, raw: str, text: str, next_index: int) -> None:
        if self.start is None:
            self.start = self.i
        self.raw.append(raw)
        self.text.append(text)
        self.i = next_index

    def double(self) -> None:
        s, j, text = self.s, self.i + 1, []
        while j < len(s) and s[j] != '"':
            if s[j] == "\\" and j + 1 < len(s) and s[j + 1] in '"\\$`\n':
                text.append(s[j + 1])
                j += 2
            elif s.startswith(("$(", "${"), j) or s[j] == "`":
                end = _substitution_end(s, j)
                text.append(s[j:end])
                j = end
            else:
                text.append(s[j])
                j += 1
        self.add(s[self.i : j + 1], "".join(text), j + 1)

    def redirect(self) -> None:
        if self.start is not None and "".join(self.raw).isdigit():
            self.reset_word()  # `2>`: the digits are the descriptor, not a word
        else:
            self.end_word()
        m = _REDIRECT.match(self.s, self.i)
        assert m is not None
        self.i = m.end()
        target = _FD_TARGET.match(self.s, self.i) if m.group().endswith("&") else None
        if target:
            self.i = target.end()
        else:
            self.skip_next = True

    def reset_word(self) -> None:
        self.raw, self.text, self.start = [], [], None

    def end_word(self) -> None:
        if self.start is None:
            return
        if self.skip_next:
            self.skip_next = False
        else:
            line, col = self.line.at(self.start)
            self.words.append(Word("".join(self.text), "".join(self.raw), line, col))
        self.reset_word()

    def end_command(self) -> None:
        self.end_word()
        self.skip_next = False
        words = self.words
        while words and words[0].raw in _KEYWORDS:
            words = words[1:]
        split = next((k for k, w in enumerate(words) if not _ASSIGNMENT.match(w.raw)), len(words))
        if words:
            self.commands.append(Command(tuple(words[split:]), tuple(words[:split])))
        self.words = []


def _substitution_end(s: str, i: int) -> int:
    """Index just after the ``$(...)``, ``${...}`` or backtick substitution starting at ``i``."""
    if s[i] == "`":
        end = s.find("`", i + 1)
        return len(s) if end < 0 else end + 1
    opening = s[i + 1]
    closing = ")" if opening == "(" else "}"
    depth, j = 0, i + 1
    while j < len(s):
        c = s[j]
        if c == "\\":
            j += 1
        elif c in "'\"" and opening == "(":
            end = s.find(c, j + 1)
            j = len(s) if end < 0 else end
        elif c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return len(s)


def split_commands(line: LogicalLine) -> list[Command]:
    return _Tokenizer(line).run()


def words_of(text: str, number: int, first_col: int = 1) -> tuple[Word, ...]:
    """The words of one physical line (comments removed)."""
    line = logical_line(text, number, first_col)
    return tuple(w for c in split_commands(line) for w in (*c.assignments, *c.words)) if line else ()


# ---------------------------------------------------------------- scripts


def _directives(found: ScriptDirectives) -> tuple[Directive, ...]:
    return tuple(Directive(words_of(d.text, d.line, first_col=d.column), d.line, d.read) for d in found.lines)


def read_shell(lines: Sequence[str]) -> ShellScript:
    physical = [(text, _positions(n, text)) for n, text in enumerate(lines, 1)]
    logical, heredocs = _logical_lines(physical)
    found = read_directives(lines)
    return ShellScript(tuple(logical), tuple(heredocs), _directives(found), found.first_command_line)


_MAKE_ASSIGN = re.compile(
    r"^(?P<export>export\s+)?(?:override\s+)?(?P<name>[A-Za-z_][\w.-]*)\s*(?P<op>:{1,3}=|\?=|\+=|!=|=)\s*(?P<value>.*)$"
)
_MAKE_REF = re.compile(r"\$[({](?P<name>[A-Za-z_][\w.-]*)[)}]")


def read_makefile(lines: Sequence[str]) -> ShellScript:
    """Recipe lines (tab-indented) as shell, with ``$$`` -> ``$`` and the Makefile's variables expanded."""
    variables: dict[str, str] = {}
    exported: list[tuple[str, str, int]] = []
    recipes: list[tuple[str, tuple[Pos, ...]]] = []
    in_recipe_continuation = False
    for number, text, first_col in _make_lines(lines):
        if text.startswith("\t") or in_recipe_continuation:
            body = text[1:] if text.startswith("\t") else text
            if not in_recipe_continuation:  # a recipe line may start with @ - + (echo, errors, -n)
                body = body.lstrip("@-+ \t")
            col = first_col + len(text) - len(body)
            recipes.append((body, _positions(number, body, col)))
            in_recipe_continuation = text.endswith("\\")
            continue
        m = _MAKE_ASSIGN.match(text)
        if m:
            _assign(variables, m["name"], m["op"], m["value"].strip())
            if m["export"]:
                exported.append((m["name"], m["value"].strip(), number))
    expanded = [_expand_make(text, pos, variables) for text, pos in recipes]
    logical, heredocs = _logical_lines(expanded)
    return ShellScript(tuple(logical), tuple(heredocs), (), None, tuple(exported))


def _make_lines(lines: Sequence[str]) -> Iterator[tuple[int, str, int]]:
    """Lines with Makefile-level continuations joined for non-recipe lines: (line, text, first col)."""
    pending: list[str] = []
    start = 0
    for number, text in enumerate(lines, 1):
        if text.startswith("\t") and not pending:
            yield number, text, 1
            continue
        if not pending:
            start = number
        if text.endswith("\\") and not text.startswith("\t"):
            pending.append(text[:-1])
            continue
        pending.append(text)
        yield start, " ".join(part.strip() if k else part for k, part in enumerate(pending)), 1
        pending = []
    if pending:
        yield start, " ".join(pending), 1


def _assign(variables: dict[str, str], name: str, op: str, value: str) -> None:
    if op == "+=":
        variables[name] = f"{variables.get(name, '')} {value}".strip()
    elif op == "?=":
        variables.setdefault(name, value)
    elif op != "!=":  # `!=` runs a shell command: its value is unknown
        variables[name] = value


def _expand_make(
    text: str, pos: Sequence[Pos], variables: dict[str, str], depth: int = 0
) -> tuple[str, tuple[Pos, ...]]:
    chars: list[str] = []
    where: list[Pos] = []
    i = 0
    while i < len(text):
        m = _MAKE_REF.match(text, i)
        if text.startswith("$$", i):
            chars.append("$")
            where.append(pos[i])
            i += 2
        elif m and m["name"] in variables and depth < 8:
            value, _ = _expand_make(variables[m["name"]], [pos[i]] * len(variables[m["name"]]), variables, depth + 1)
            chars.extend(value)
            where.extend([pos[i]] * len(value))
            i = m.end()
        else:
            chars.append(text[i])
            where.append(pos[i])
            i += 1
    return "".join(chars), tuple(where) or tuple(pos[:1])
