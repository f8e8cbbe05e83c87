"""One file to lint: its kind, its lines, its parsed views, and its ``hpctui: noqa`` comments."""

from __future__ import annotations

import ast
import re
from functools import cached_property
from pathlib import PurePath

from hpctui.toolkit.lint.kinds import Kind
from hpctui.toolkit.lint.shellsyntax import ShellScript, read_makefile, read_shell

MAKEFILE_NAMES = frozenset({"Makefile", "makefile", "GNUmakefile"})
SHELL_SUFFIXES = frozenset({".sh", ".bash", ".ksh", ".zsh"})
SBATCH_SUFFIXES = frozenset({".sbatch", ".slurm", ".job"})
SHELLS = frozenset({"sh", "bash", "dash", "ksh", "zsh"})
_SBATCH_LINE = re.compile(r"^#SBATCH\s", re.M)
# `# hpctui: noqa`, `# hpctui: noqa HPC001,HPC002`, `# hpctui: noqa-file HPC001`
_NOQA = re.compile(r"#\s*hpctui:\s*noqa(?P<file>-file)?\b:?(?P<codes>(?:[\s,]*[A-Z]+\d+)*)")
ALL = "*"


def detect_kind(path: str, text: str) -> Kind | None:
    """What ``path`` holds, from its name, then its shebang, then ``#SBATCH`` lines; None: not ours."""
    p = PurePath(path)
    if p.name in MAKEFILE_NAMES or p.suffix == ".mk":
        return Kind.MAKEFILE
    if p.name == "ssh_config" or (p.name == "config" and p.parent.name == ".ssh"):
        return Kind.SSH_CONFIG
    program = _interpreter(text)
    if p.suffix in (".py", ".pyw") or program.startswith("python"):
        return Kind.PYTHON
    shell = p.suffix in SHELL_SUFFIXES or program in SHELLS
    if shell or p.suffix in SBATCH_SUFFIXES or not p.suffix:  # not README.md quoting #SBATCH lines
        if _SBATCH_LINE.search(text) or p.suffix in SBATCH_SUFFIXES:
            return Kind.SBATCH
    return Kind.SHELL if shell else None


def _interpreter(text: str) -> str:
    """The program of a ``#!`` line (through ``/usr/bin/env [-S] prog``), or ""."""
    if not text.startswith("#!"):
        return ""
    words = text[2 : text.find("\n") if "\n" in text else None].split()
    names = [PurePath(w).name for w in words if not w.startswith("-") and "=" not in w]
    if names[:1] == ["env"]:
        names = names[1:]
    return names[0] if names else ""


class Document:
    def __init__(self, path: str, text: str, kind: Kind) -> None:
        self.path = path
        self.text = text
        self.kind = kind
        self.lines = text.splitlines()

    @cached_property
    def script(self) -> ShellScript:
        """The shell view (sbatch, shell and Makefile recipes)."""
        return read_makefile(self.lines) if self.kind is Kind.MAKEFILE else read_shell(self.lines)

    @cached_property
    def tree(self) -> ast.Module | None:
        """The Python syntax tree; None when the file does not parse (only text rules run then)."""
        try:
            return ast.parse(self.text)
        except (SyntaxError, ValueError):
            return None

    @cached_property
    def nodes(self) -> list[ast.AST]:
        """Every node of the Python tree (empty when it does not parse)."""
        return list(ast.walk(self.tree)) if self.tree is not None else []

    @cached_property
    def parents(self) -> dict[ast.AST, ast.AST]:
        return {child: node for node in self.nodes for child in ast.iter_child_nodes(node)}

    @cached_property
    def _noqa(self) -> tuple[dict[int, set[str]], set[str]]:
        per_line: dict[int, set[str]] = {}
        whole_file: set[str] = set()
        for number, line in enumerate(self.lines, 1):
            for m in _NOQA.finditer(line):
                codes = set(re.findall(r"[A-Z]+\d+", m["codes"])) or {ALL}
                (whole_file if m["file"] else per_line.setdefault(number, set())).update(codes)
        return per_line, whole_file

    def suppressed(self, line: int, code: str) -> bool:
        per_line, whole_file = self._noqa
        codes = per_line.get(line, set()) | whole_file
        return code in codes or ALL in codes
