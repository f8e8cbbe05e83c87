"""sbatch directives: where they are, where logs go, what happens when the job restarts."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from hpctui.toolkit.lint.document import Document
from hpctui.toolkit.lint.facts import SlurmRequest, command_requests, directive_request, time_limit_s
from hpctui.toolkit.lint.kinds import SHELL_LIKE, Kind
from hpctui.toolkit.lint.options import Option
from hpctui.toolkit.lint.registry import Hit, LintContext, Severity, rule

BEST_PRACTICES = "SLURM Essentials / Job Script Best Practices"
LONG_JOB_S = 4 * 3600
_RESUME = re.compile(r"(?i)latest\.pt|resume|checkpoint|ckpt|SLURM_RESTART_COUNT")

DIRECTIVE_ORDER = rule(
    "HPC101", "directive-after-command", "#SBATCH line after the first command is ignored", Severity.ERROR,
    why="sbatch stops reading #SBATCH lines at the first line that is neither blank nor a comment. "
    "The field notes' own block starts with `set -euo pipefail` and would silently lose "
    "--requeue and the log paths that way.",
    fix="move every #SBATCH line directly below the shebang; `set -euo pipefail` comes after them",
    source="set -euo pipefail / #SBATCH --requeue / #SBATCH --output=logs/%x_%j.out (in that order)",
    section=BEST_PRACTICES,
)  # fmt: skip

LOG_NAME = rule(
    "HPC102", "log-name", "job log not in a log directory named %x_%j", Severity.WARNING,
    why="Without --output the log lands in slurm-JOBID.out in the submit directory; without a "
    "directory, %x (job name) and %j (job id) in the name, logs of reruns overwrite each "
    "other or cannot be told apart.",
    fix="#SBATCH --output=logs/%x_%j.out and #SBATCH --error=logs/%x_%j.err",
    source="#SBATCH --output=logs/%x_%j.out   # %x = job name, %j = job ID",
    section=BEST_PRACTICES,
)  # fmt: skip

LOG_DIR = rule(
    "HPC103", "log-dir-not-created", "log directory never created", Severity.ERROR,
    why="Slurm opens the --output/--error file before the script runs; when its directory is "
    "missing the job fails at once with no log at all.",
    fix="create the directory before sbatch (`mkdir -p logs && sbatch job.sbatch`) and keep "
    "`mkdir -p logs` in the script for the directories the job itself writes",
    source="Always `mkdir -p` for log and output directories",
    section=BEST_PRACTICES,
)  # fmt: skip

REQUEUE = rule(
    "HPC104", "long-job-no-requeue", "long job without --requeue", Severity.WARNING,
    why="A job running for many hours (or with no --time: the partition's default, often days) "
    "is likely to be preempted or hit a node failure; without --requeue it is then just gone.",
    fix="#SBATCH --requeue (with resume logic, see HPC105), or a --time of 4 h or less",
    source="#SBATCH --requeue             # Auto-resubmit on preemption",
    section=BEST_PRACTICES,
)  # fmt: skip

RESUME = rule(
    "HPC105", "no-resume-logic", "requeued or long job never resumes", Severity.WARNING,
    why="A requeued job runs the script again from the top: without checking for a checkpoint "
    "(latest.pt) and passing --resume, every restart throws away all finished epochs.",
    fix='if [ -f "$OUTPUT_DIR/latest.pt" ]; then RESUME_ARG="--resume $OUTPUT_DIR/latest.pt"; fi '
    "and save latest.pt every epoch",
    source='if [ -f "$OUTPUT_DIR/latest.pt" ]; then ... RESUME_ARG="--resume $OUTPUT_DIR/latest.pt"',
    section="SLURM Essentials / Auto-Resume Pattern",
)  # fmt: skip

EXPORT = rule(
    "HPC106", "export-without-all", "--export without ALL drops the environment", Severity.ERROR,
    why="`--export=NAME=value` passes ONLY the listed variables (plus SLURM_*): PATH, HOME, "
    "the loaded modules and the venv are gone and the job fails in odd ways.",
    fix="start the list with ALL: --export=ALL,START_STAGE=2",
    source="sbatch --export=ALL,START_STAGE=2 train.sbatch",
    section="SLURM Essentials / Stage Skipping",
)  # fmt: skip


def _at(option: Option | None, fallback: int) -> tuple[int, int]:
    return (option.word.line, option.word.col) if option else (fallback, 1)


def _first_directive_line(doc: Document) -> int:
    directives = doc.script.directives
    return directives[0].line if directives else doc.script.first_command_line or 1


@DIRECTIVE_ORDER.check(Kind.SBATCH)
def _directive_order(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    first = doc.script.first_command_line
    for directive in doc.script.directives:
        if first is not None and directive.line > first:
            yield Hit(directive.line, 1, f"#SBATCH after the first command (line {first}) is ignored by sbatch")


@LOG_NAME.check(Kind.SBATCH)
def _log_name(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    job = directive_request(doc.script)
    if job.get("output") is None:
        yield Hit(_first_directive_line(doc), 1, "no --output: the log goes to slurm-JOBID.out in the submit directory")
    for option in filter(None, (job.get("output"), job.get("error"))):
        value = option.value or ""
        missing = [what for what, present in (
            ("log directory", "/" in value),
            ("%x (job name)", "%x" in value),
            ("%j (job id)", bool(re.search(r"%[jA]", value))),
        ) if not present]  # fmt: skip
        if missing and value != "/dev/null":
            yield Hit(*_at(option, 1), f"--{option.name}={value} has no {', no '.join(missing)}")


@LOG_DIR.check(Kind.SBATCH)
def _log_dir(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    job = directive_request(doc.script)
    created = _created_dirs(doc)
    reported: set[str] = set()
    for option in filter(None, (job.get("output"), job.get("error"))):
        directory = _normal(posixpath.dirname(option.value or ""))
        if not directory or "%" in directory or "$" in directory or directory in reported:
            continue
        if _known_to_exist(directory, ctx):
            continue
        if not any(c == directory or c.startswith(directory + "/") or "$" in c for c in created):
            reported.add(directory)
            yield Hit(*_at(option, 1), f"log directory {directory}/ is never created: the job fails before it starts",
                      hint=f"`mkdir -p {directory}` before sbatch (Slurm opens the log before the script runs), "
                      f"and `mkdir -p {directory}` in the script")  # fmt: skip


def _known_to_exist(directory: str, ctx: LintContext) -> bool:
    """The job's directory, the directories known to exist on the cluster, and their parents
    (a relative ``directory`` is taken from the job's directory, as Slurm does)."""
    if not ctx.work_dir and not directory.startswith("/"):
        return False
    path = posixpath.normpath(posixpath.join(ctx.work_dir, directory))
    known = (posixpath.normpath(d) for d in (ctx.work_dir, *ctx.existing_dirs) if d)
    return any(k == path or k.startswith(path.rstrip("/") + "/") for k in known)


def _created_dirs(doc: Document) -> list[str]:
    created: list[str] = []
    for command in doc.script.commands:
        words = command.words
        if not words or words[0].name != "mkdir":
            continue
        args = [w.text for w in words[1:]]
        if any(a == "--parents" or (a.startswith("-") and not a.startswith("--") and "p" in a) for a in args):
            created.extend(_normal(a) for a in args if not a.startswith("-"))
    return created


def _normal(path: str) -> str:
    """``./logs/`` -> ``logs``; the job's own directory (``.``, ``./``) -> ""."""
    path = path.rstrip("/")
    while path.startswith("./"):
        path = path[2:]
    return "" if path == "." else path


def _restart_facts(job: SlurmRequest) -> tuple[bool, str]:
    """(is the job long, how to say so)."""
    time = job.get("time")
    if time is None or not time.value:
        return True, "no --time (the partition's default limit, often days)"
    seconds = time_limit_s(time.value)
    if seconds is not None and seconds > LONG_JOB_S:
        return True, f"--time={time.value} (over {LONG_JOB_S // 3600} h)"
    return False, ""


@REQUEUE.check(Kind.SBATCH)
def _requeue(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    job = directive_request(doc.script)
    long_job, why = _restart_facts(job)
    if long_job and job.get("requeue") is None and job.get("no-requeue") is None:
        yield Hit(*_at(job.get("time"), _first_directive_line(doc)), f"{why} and no --requeue: a preempted job is lost")


@RESUME.check(Kind.SBATCH)
def _resume(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    job = directive_request(doc.script)
    long_job, why = _restart_facts(job)
    requeue = job.get("requeue")
    if (requeue or long_job) and doc.script.search(_RESUME) is None:
        reason = "--requeue" if requeue else why
        where = _at(requeue or job.get("time"), _first_directive_line(doc))
        yield Hit(*where, f"{reason} but no resume logic (latest.pt / --resume): a restart starts from scratch")


@EXPORT.check(*SHELL_LIKE)
def _export(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    script = doc.script
    for request in (directive_request(script), *command_requests(script)):
        for option in request.options:
            items = (option.value or "").split(",")
            if option.name == "export" and option.value and not {"ALL", "NONE", "NIL"} & set(items):
                yield Hit(*_at(option, 1), f"--export={option.value} passes only these variables: PATH, HOME and modules are gone",
                          hint=f"--export=ALL,{option.value}")  # fmt: skip
