"""Script hygiene: fail fast, and nothing interactive in a batch job."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from hpctui.toolkit.lint.document import Document
from hpctui.toolkit.lint.facts import command_requests, container_runs
from hpctui.toolkit.lint.kinds import Kind
from hpctui.toolkit.lint.options import PYTHON, SHELL, OptionSpec, parse_options
from hpctui.toolkit.lint.registry import Hit, LintContext, Severity, rule
from hpctui.toolkit.lint.shellsyntax import Command, ShellScript, Word, read_shell

BEST_PRACTICES = "SLURM Essentials / Job Script Best Practices"

STRICT_MODE = rule(
    "HPC001", "strict-mode", "script does not set `set -euo pipefail`", Severity.WARNING,
    why="Without -e a failed step is ignored and the job goes on with missing inputs (and may "
    "even end COMPLETED); without -u a misspelt variable expands to nothing; without pipefail "
    "`cmd | tee log` hides cmd's failure. The job then fails hours later, far from the cause.",
    fix="put `set -euo pipefail` right after the #SBATCH lines (the first command of the script)",
    source="set -euo pipefail             # Fail fast on errors",
    section=BEST_PRACTICES,
)  # fmt: skip

INTERACTIVE = rule(
    "HPC002", "interactive-flag", "interactive flag in a batch script", Severity.ERROR,
    why="A batch job has no terminal: `python -i`, `bash -i`, `srun --pty`, `docker run -it` or "
    "`apptainer shell` wait for input that never comes (the job idles until its time limit) "
    "or behave differently than when you tried them by hand.",
    fix="drop the interactive flag; run the command non-interactively (python script.py, bash -c, "
    "apptainer exec); for interactive debugging use `srun --pty bash` from a login shell instead",
    source="Never use `-i` flag (interactive) in batch scripts",
    section=BEST_PRACTICES,
)  # fmt: skip

_INTERPRETERS: Sequence[tuple[re.Pattern[str], OptionSpec]] = (
    (re.compile(r"^python[\d.]*$"), PYTHON),
    (re.compile(r"^(bash|sh|zsh|ksh|dash)$"), SHELL),
)
_SET_FLAGS = {"e": "errexit", "u": "nounset"}
_NEEDED = {"errexit": "-e", "nounset": "-u", "pipefail": "-o pipefail"}


@STRICT_MODE.check(Kind.SBATCH, Kind.SHELL)
def _strict_mode(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    script = doc.script
    shebang = doc.lines[0][2:].split()[1:] if doc.lines and doc.lines[0].startswith("#!") else []
    enabled = _set_options(shebang)
    for source in (script, *_sourced_scripts(doc)):
        for command in _set_commands(source):
            enabled |= _set_options([w.text for w in command.words[1:]])
    missing = [flag for name, flag in _NEEDED.items() if name not in enabled]
    if not missing:
        return
    first_set = next(_set_commands(script), None)
    line = first_set.words[0].line if first_set else script.first_command_line or 1
    yield Hit(line, 1, f"script does not fail fast: no `set -euo pipefail` (missing {', '.join(missing)})")


def _set_commands(script: ShellScript) -> Iterator[Command]:
    return (c for c in script.commands if c.words and c.words[0].text == "set")


_SCRIPT_DIR = re.compile(
    r'^(?:\$\(dirname\s+"?\$(?:\{BASH_SOURCE(?:\[0\])?\}|0|BASH_SOURCE)"?\)|\$\{BASH_SOURCE(?:\[0\])?%/\*\})/'
)


def _sourced_scripts(doc: Document) -> Iterator[ShellScript]:
    """Files the script sources from its own directory (``source "$(dirname "$0")/lib.sh"``), read
    from disk next to it: a shared lib.sh often holds the ``set -euo pipefail``."""
    here = Path(doc.path).parent
    for command in doc.script.commands:
        if len(command.words) < 2 or command.words[0].text not in ("source", "."):
            continue
        target = _SCRIPT_DIR.sub("", command.words[1].text)
        path = here / target
        if "$" not in target and path.is_file():
            yield read_shell(path.read_text(errors="replace").splitlines())


def _set_options(args: Sequence[str]) -> set[str]:
    """What ``set ARGS`` switches on: ``-euo pipefail``, ``-e -u``, ``-o errexit -o pipefail`` ..."""
    enabled: set[str] = set()
    expect_name = False
    for arg in args:
        if expect_name:
            enabled.add(arg)
            expect_name = False
        elif arg.startswith("-") and not arg.startswith("--"):
            enabled.update(_SET_FLAGS[c] for c in arg[1:] if c in _SET_FLAGS)
            expect_name = "o" in arg[1:]
    return enabled


@INTERACTIVE.check(Kind.SBATCH)
def _interactive(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    for command in doc.script.commands:
        if command.runs_words:
            yield from _interactive_interpreter(command)
    for request in command_requests(doc.script):
        if request.tool is None or request.tool.name != "srun":
            continue
        for option in request.options:
            if option.name == "pty" or (option.name == "input" and _reads_terminal(option.value)):
                yield _hit(option.word, f"srun {option.word.text}")
    for run in container_runs(doc.script):
        if run.action == "shell":
            yield _hit(run.runtime, f"{run.runtime.name} shell")
        for option in run.options:
            if option.name == "interactive":
                yield _hit(option.word, f"{run.runtime.name} {run.action} {option.word.text}")


def _interactive_interpreter(command: Command) -> Iterator[Hit]:
    for k, word in enumerate(command.words):
        spec = next((s for pattern, s in _INTERPRETERS if pattern.match(word.name)), None)
        if spec is None:
            continue
        options, _ = parse_options(command.words[k + 1 :], spec)
        for option in options:
            if option.name == "i":
                yield _hit(option.word, f"{word.name} {option.word.text}")
        return


def _reads_terminal(mode: str | None) -> bool:
    """``srun -i none`` or ``-i FILE`` is fine; ``-i``, ``-i all`` or a task number read the terminal."""
    return mode is None or not re.search(r"^none$|[/.%]", mode)


def _hit(word: Word, what: str) -> Hit:
    return Hit(word.line, word.col, f"`{what}` in a batch script: there is no terminal, the job waits for input")
