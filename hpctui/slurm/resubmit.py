"""Pure logic for resubmitting a job: what a batch script offers (stages, auto-resume) and
which sbatch options reproduce or edit the original job. Strings in, values out; no I/O.

Nothing here ever evaluates script text: variables are resolved only from literal
assignments, and anything else leaves a path unresolved.
"""

from __future__ import annotations

import math
import posixpath
import re
import shlex
from dataclasses import dataclass, replace

from hpctui.errors import UserError
from hpctui.slurm.commands import SACCT_ENV, env_prefix, sbatch_command, validate_job_id
from hpctui.slurm.errors import SlurmParseError, check_errors
from hpctui.slurm.formats import DELIMITER
from hpctui.slurm.parse import parse_duration, parse_size
from hpctui.slurm.parse.fields import optional


@dataclass(frozen=True)
class Stages:
    """The stage-skipping pattern: ``START_STAGE="${START_STAGE:-0}"`` and ``for STAGE in 0 1 2 3``."""

    variable: str  # the environment variable that selects the first stage
    default: int
    values: tuple[int, ...]


_DEFAULTED = re.compile(
    r"""^\s*(?:export\s+)?(?P<var>[A-Za-z_]\w*)=(?P<q>["']?)\$\{(?P=var):?[-=](?P<default>\d+)\}(?P=q)\s*(?:[;#].*)?$""",
    re.M,
)
_FOR = re.compile(r"^\s*for\s+(?P<var>[A-Za-z_]\w*)\s+in\s+(?P<items>[^;\n]+?)\s*(?:;|\n|$)", re.M)
_BRACE = re.compile(r"^\{(\d+)\.\.(\d+)\}$")
_SEQ = re.compile(r"^\$\(\s*seq\s+(\d+)(?:\s+(\d+))?\s*\)$")


def detect_stages(script: str) -> Stages | None:
    """The stage variable and the stages of its loop, or None when the script has no such pattern.

    A defaulted variable and a loop belong together when the script compares the two
    (``[ "$STAGE" -lt "$START_STAGE" ]``) or the loop variable's name is part of the other's.
    """
    defaults = {m["var"]: int(m["default"]) for m in _DEFAULTED.finditer(script)}
    for loop in _FOR.finditer(script):
        values = _loop_values(loop["items"])
        if not values:
            continue
        for variable, default in defaults.items():
            if _compared(script, loop["var"], variable) or loop["var"] in variable:
                return Stages(variable, default, values)
    return None


def _loop_values(items: str) -> tuple[int, ...]:
    items = items.strip()
    brace = _BRACE.match(items)
    seq = _SEQ.match(items)
    if brace:
        return tuple(range(int(brace[1]), int(brace[2]) + 1))
    if seq:
        first, last = (int(seq[1]), int(seq[2])) if seq[2] else (1, int(seq[1]))
        return tuple(range(first, last + 1))
    words = items.split()
    if all(w.isdigit() for w in words):
        return tuple(int(w) for w in words)
    return ()


def _compared(script: str, a: str, b: str) -> bool:
    def ref(name: str) -> str:
        return r'"?\$\{?' + re.escape(name) + r'\}?"?'

    op = r"\s+-(?:lt|le|gt|ge|eq|ne)\s+"
    return bool(re.search(ref(a) + op + ref(b), script) or re.search(ref(b) + op + ref(a), script))


@dataclass(frozen=True)
class AutoResume:
    """The auto-resume pattern: the script checks for a checkpoint and passes ``--resume`` when it exists."""

    checkpoint: str  # as the script writes it, e.g. "$OUTPUT_DIR/latest.pt"
    resolved: str | None  # absolute path on the cluster, when every variable in it is known


_FILE_TEST = re.compile(r"""(?:\[\[?|\btest)\s+-[fse]\s+(?P<q>["']?)(?P<path>[^"'\s\]]+)(?P=q)""")
_CHECKPOINT = re.compile(r"\.(?:pt|pth|ckpt)$")
_ASSIGN = re.compile(r"""^\s*(?:export\s+)?(?P<var>[A-Za-z_]\w*)=(?P<value>"[^"\n]*"|'[^'\n]*'|[^\s;#'"]*)""", re.M)
# The innermost ${VAR}, ${VAR:-default} (default without $ or braces) or $VAR.
_VAR_REF = re.compile(r"\$\{(?P<braced>[A-Za-z_]\w*)(?::?[-=](?P<default>[^${}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)")


def detect_auto_resume(script: str, work_dir: str | None, job_env: dict[str, str] | None = None) -> AutoResume | None:
    """The checkpoint a script resumes from, or None when it has no auto-resume pattern: a file
    test of a checkpoint (``-f "$OUTPUT_DIR/latest.pt"``) in a script that talks of resuming.

    ``job_env``: variables Slurm will set for the job (SLURM_JOB_NAME, ...), used to resolve
    the path; variables the script defaults (``${OUTPUT_DIR:-outputs}``) take their default.
    """
    if not re.search(r"resum", script, re.I):
        return None
    tests = [t for t in _FILE_TEST.finditer(script) if _CHECKPOINT.search(t["path"])]
    if not tests:
        return None
    resume_lines = [line for line in script.splitlines() if "--resume" in line]
    chosen = next((t for t in tests if any(t["path"] in line for line in resume_lines)), tests[0])
    known = {**(job_env or {}), **({"SLURM_SUBMIT_DIR": work_dir} if work_dir else {})}
    resolved = _resolve(chosen["path"], _literal_assignments(script[: chosen.start()], known))
    if resolved is not None and not resolved.startswith("/"):
        resolved = posixpath.normpath(posixpath.join(work_dir, resolved)) if work_dir else None
    return AutoResume(chosen["path"], resolved)


def _literal_assignments(text: str, known: dict[str, str]) -> dict[str, str]:
    """Variables with a value known without running anything, in script order."""
    known = dict(known)
    for m in _ASSIGN.finditer(text):
        value = m["value"]
        if value[:1] == "'":
            known[m["var"]] = value[1:-1]
            continue
        resolved = _resolve(value.strip('"'), known)
        if resolved is None:
            known.pop(m["var"], None)
        else:
            known[m["var"]] = resolved
    return known


def _resolve(text: str, known: dict[str, str]) -> str | None:
    """``text`` with its variables replaced, innermost first; None when one is unknown or the
    text runs something (command substitution, arithmetic, backticks)."""
    if "$(" in text or "`" in text:
        return None
    while (m := _VAR_REF.search(text)) is not None:
        name = m["braced"] or m["bare"]
        if name in known:
            value = known[name]
        elif m["default"] is not None:
            value = m["default"]
        else:
            return None
        text = text[: m.start()] + value + text[m.end() :]
    return None if "$" in text else text


@dataclass(frozen=True)
class SubmitOptions:
    """sbatch options that reproduce a job's request; ``args()`` renders them."""

    job_name: str | None = None
    partition: str | None = None
    time: str | None = None  # Slurm time string, e.g. "1-00:00:00"
    nodes: str | None = None
    ntasks: str | None = None
    cpus_per_task: str | None = None
    mem: str | None = None  # per node, e.g. "4G"
    mem_per_cpu: str | None = None
    gres: str | None = None  # e.g. "gpu:2"
    account: str | None = None
    qos: str | None = None
    constraint: str | None = None
    array: str | None = None
    output: str | None = None
    error: str | None = None

    def as_options(self) -> dict[str, str | None]:
        """``{sbatch option name: value}`` for ``commands.sbatch_command``, in a stable order."""
        return {name.replace("_", "-"): value for name, value in vars(self).items() if value}

    @property
    def per_cpu_memory(self) -> bool:
        """The job asked for memory per CPU: edits keep that kind, since mixing --mem with the
        script's own --mem-per-cpu makes sbatch refuse ("mutually exclusive")."""
        return bool(self.mem_per_cpu) and not self.mem

    @property
    def memory(self) -> str | None:
        return self.mem_per_cpu if self.per_cpu_memory else self.mem

    def edited(self, time: str | None = None, mem: str | None = None, partition: str | None = None) -> SubmitOptions:
        """A copy with the given values changed (each validated); ``mem`` is per CPU for jobs
        that asked per CPU, else per node."""
        changes: dict[str, str | None] = {}
        if time:
            changes["time"] = validate_time(time)
        if mem:
            changes["mem_per_cpu" if self.per_cpu_memory else "mem"] = validate_mem(mem)
        if partition:
            changes["partition"] = validate_partition(partition)
        return replace(self, **changes)

    def without_memory(self) -> SubmitOptions:
        return replace(self, mem=None, mem_per_cpu=None)


def options_from_job(fields: dict[str, str], script: str) -> SubmitOptions:
    """The options of a job as ``scontrol show job`` reports them (effective values, so options
    given on the original sbatch command line are kept too). Output/error paths are passed only
    when the script does not set them, with the job id turned back into ``%j`` (``%A``/``%a``)."""

    def get(name: str) -> str | None:
        return optional(fields.get(name, ""))

    time_limit = get("TimeLimit")
    options = SubmitOptions(
        job_name=get("JobName"),
        partition=get("Partition"),
        time=None if time_limit == "UNLIMITED" else time_limit,
        nodes=get("NumNodes"),
        ntasks=get("NumTasks"),
        cpus_per_task=get("CPUs/Task"),
        mem=get("MinMemoryNode"),
        mem_per_cpu=get("MinMemoryCPU"),
        gres=_gres(get("TresPerNode")),
        account=get("Account"),
        qos=get("QOS"),
        constraint=get("Features"),
        array=get("ArrayTaskId"),
    )
    if _sets_option(script, "output", "o"):
        return options
    output = _pattern(get("StdOut"), fields, default=True)
    error = _pattern(get("StdErr"), fields, default=False) if get("StdErr") != get("StdOut") else None
    return replace(options, output=output, error=error)


def _gres(tres_per_node: str | None) -> str | None:
    """``gres:gpu:2`` (22.05) or ``gres/gpu:2`` (23.x) -> ``gpu:2``."""
    if not tres_per_node:
        return None
    return ",".join(re.sub(r"^gres[:/]", "", part) for part in tres_per_node.split(","))


def _sets_option(script: str, long: str, short: str) -> bool:
    return bool(re.search(rf"^#SBATCH\s+(?:--{long}\b|-{short}\b)", script, re.M))


def _pattern(path: str | None, fields: dict[str, str], default: bool) -> str | None:
    """An expanded StdOut/StdErr path turned back into a filename pattern; None for Slurm's default."""
    if not path:
        return None
    job_id, array_job, task = fields.get("JobId", ""), fields.get("ArrayJobId", ""), fields.get("ArrayTaskId", "")
    work_dir = fields.get("WorkDir", "")
    if array_job and task.isdigit():
        pattern = _replace_number(_replace_number(path, array_job, "%A"), task, "%a")
        slurm_default = posixpath.join(work_dir, "slurm-%A_%a.out")
    else:
        pattern = _replace_number(path, job_id, "%j")
        slurm_default = posixpath.join(work_dir, "slurm-%j.out")
    if default and pattern == slurm_default:
        return None
    return pattern


def _replace_number(text: str, number: str, token: str) -> str:
    if not number:
        return text
    return re.sub(rf"(?<!\d){re.escape(number)}(?!\d)", token, text)


def validate_time(text: str) -> str:
    text = text.strip()
    try:
        seconds = parse_duration(text)
    except SlurmParseError:
        seconds = None
    if not seconds:
        raise UserError(f"bad time {text!r}: use MINUTES, HH:MM:SS or D-HH:MM:SS")
    return text


def validate_mem(text: str) -> str:
    text = text.strip().upper()
    if not re.fullmatch(r"\d+[KMGT]?", text):
        raise UserError(f"bad memory {text!r}: use a number with K, M, G or T, e.g. 8G")
    return text


def validate_partition(text: str) -> str:
    text = text.strip()
    if not re.fullmatch(r"[A-Za-z0-9_.+-]+(,[A-Za-z0-9_.+-]+)*", text):
        raise UserError(f"bad partition name {text!r}")
    return text


def format_time(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return f"{days}-{hours:02d}:{mins:02d}:00" if days else f"{hours:02d}:{mins:02d}:00"


def suggest_time(time_limit: str | None, factor: float = 1.5) -> str | None:
    """More time after a TIMEOUT (rounded up to a minute); None for UNLIMITED/unknown limits."""
    try:
        seconds = parse_duration(time_limit or "")
    except SlurmParseError:
        return None
    return None if seconds is None else format_time(math.ceil(seconds * factor))


def suggest_mem(mem: str | None, factor: float = 2.0) -> str | None:
    """More memory after OUT_OF_MEMORY, in the same unit (``500M`` -> ``1000M``)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT]?)B?", (mem or "").strip().upper())
    if not m:
        return None
    return f"{math.ceil(float(m[1]) * factor)}{m[2] or 'M'}"


_PROBE = 'i=0; for f in "$@"; do i=$((i+1)); if test -f "$f"; then echo "$i"; exec cat -- "$f"; fi; done; exit 1'


def script_candidates(command_field: str) -> list[str]:
    """Where the script may be: ``Command=`` is the script path and its arguments joined by
    spaces, and the path may hold spaces too, so every split is a candidate, longest first."""
    words = command_field.split(" ")
    return [" ".join(words[:n]) for n in range(len(words), 0, -1)]


def script_probe_command(command_field: str) -> str:
    """Print the number of the first candidate that is a file, then the file (exit 1: none is)."""
    paths = " ".join(shlex.quote(p) for p in script_candidates(command_field))
    return f"sh -c {shlex.quote(_PROBE)} sh {paths}"


def parse_script_probe(stdout: str, command_field: str) -> tuple[str, list[str], str] | None:
    """(script path, its arguments, the file's text) from ``script_probe_command`` output."""
    number, _, text = stdout.partition("\n")
    candidates = script_candidates(command_field)
    if not number.isdigit() or not 1 <= int(number) <= len(candidates):
        return None
    path = candidates[int(number) - 1]
    return path, command_field[len(path) :].split(), text


def file_exists_command(path: str) -> str:
    """Prints ``present`` or ``absent``: whether ``path`` is a regular file."""
    return "sh -c " + shlex.quote('if test -f "$1"; then echo present; else echo absent; fi') + f" sh {shlex.quote(path)}"


def save_copy_command(path: str) -> str:
    """Write stdin to ``path`` (creating its directory): the fetched script, saved for sbatch."""
    return f"mkdir -p -- {shlex.quote(posixpath.dirname(path))} && cat > {shlex.quote(path)}"


def saved_copy_path(work_dir: str, job_id: str) -> str:
    return posixpath.join(work_dir, ".hpctui", f"resubmit-{job_id}.sbatch")


def resubmit_command(
    script_path: str, args: list[str], *, work_dir: str, export: dict[str, str], options: dict[str, str | None]
) -> str:
    """``cd WORKDIR && ... sbatch --parsable [options] SCRIPT [args]``: the job's own arguments
    after the script, each one word."""
    command = sbatch_command(script_path, workdir=work_dir, export=export, options=dict(options))
    return " ".join([command, *(shlex.quote(arg) for arg in args)])


ACCOUNTING_FIELDS = ("JobName", "Partition", "Timelimit", "WorkDir", "State", "NNodes", "ReqTRES", "SubmitLine")


def accounting_job_command(job_id: str) -> str:
    """What accounting keeps of a job, the controller's memory aside: its last State, and
    enough to resubmit it once the controller has forgotten it (SubmitLine, as typed, quotes lost)."""
    job = shlex.quote(validate_job_id(job_id, single=True))
    return (
        f"{env_prefix(SACCT_ENV)} sacct --allocations --noheader --parsable2 "
        f"--delimiter={shlex.quote(DELIMITER)} --format={','.join(ACCOUNTING_FIELDS)} --jobs={job}"
    )


def parse_accounting_job(text: str) -> dict[str, str]:
    """The job's last record (a requeued job has several) by field name; {} when there is none.
    ``State`` is cut to its first word ("CANCELLED by 1000" -> "CANCELLED")."""
    check_errors(text)
    width = len(ACCOUNTING_FIELDS)
    rows = [line.split(DELIMITER, width - 1) for line in text.split("\n") if DELIMITER in line]
    rows = [row for row in rows if len(row) == width]
    if not rows:
        return {}
    record = dict(zip(ACCOUNTING_FIELDS, rows[-1], strict=True))
    record["State"] = record["State"].split(" ")[0]
    return record


def stored_script_command(job_id: str) -> str:
    """The batch script accounting stored (only where AccountingStoreFlags has job_script)."""
    job = shlex.quote(validate_job_id(job_id, single=True))
    return f"{env_prefix(SACCT_ENV)} sacct --batch-script --jobs={job}"


def parse_stored_script(text: str) -> str | None:
    """The script from ``sacct --batch-script`` output: a two-line header, then the script or NONE."""
    lines = text.split("\n")
    if len(lines) < 3 or not lines[0].startswith("Batch Script for") or set(lines[1]) != {"-"}:
        return None
    script = "\n".join(lines[2:])
    return None if script.strip() == "NONE" else script


# sbatch's short options that take a value, by their long name.
_SHORT = {
    "A": "account", "a": "array", "b": "begin", "C": "constraint", "c": "cpus-per-task", "D": "chdir",
    "d": "dependency", "e": "error", "F": "nodefile", "G": "gpus", "i": "input", "J": "job-name",
    "L": "licenses", "M": "clusters", "m": "distribution", "N": "nodes", "n": "ntasks", "o": "output",
    "p": "partition", "q": "qos", "S": "core-spec", "t": "time", "w": "nodelist", "x": "exclude",
}  # fmt: skip
# Long options whose value may follow as the next word (``--time 10``).
_LONG_WITH_VALUE = frozenset({
    *_SHORT.values(), "comment", "export", "gres", "mail-type", "mail-user", "mem", "mem-per-cpu",
    "mem-per-gpu", "ntasks-per-node", "reservation", "signal", "wrap",
})  # fmt: skip


@dataclass(frozen=True)
class SubmitLine:
    """An sbatch command line as accounting keeps it (quotes lost: words split at spaces)."""

    options: dict[str, str]  # long name -> value ("" for flags); the last one wins, as in sbatch
    script_words: list[str]  # the script and its arguments; empty for --wrap jobs


def parse_submit_line(line: str) -> SubmitLine:
    words = line.split(" ")[1:]  # after "sbatch"
    options: dict[str, str] = {}
    index = 0
    while index < len(words) and words[index].startswith("-") and words[index] != "-":
        word = words[index]
        if word.startswith("--"):
            name, eq, value = word[2:].partition("=")
        else:  # -p gpu, -pgpu
            name, value = _SHORT.get(word[1:2], word[1:2]), word[2:]
            eq = "=" if value else ""
        if not eq and name in _LONG_WITH_VALUE and index + 1 < len(words):
            value, index = words[index + 1], index + 1
        options[name] = value
        index += 1
    return SubmitLine(options, [] if "wrap" in options else words[index:])


def script_from_submit_line(submit_line: str, work_dir: str) -> str:
    """The script and its arguments (``Command=`` style, absolute); "" for ``--wrap`` jobs."""
    words = parse_submit_line(submit_line).script_words
    return posixpath.join(work_dir, " ".join(words)) if words else ""


def memory_directive(script: str) -> tuple[str, str] | None:
    """``("MinMemoryCPU" | "MinMemoryNode", value)`` from the script's own #SBATCH memory line."""
    match = None
    for match in re.finditer(r"^#SBATCH\s+--(mem-per-cpu|mem)[= ]\s*(\S+)", script, re.M):
        pass  # the last one wins, as in sbatch
    if match is None:
        return None
    return ("MinMemoryCPU" if match[1] == "mem-per-cpu" else "MinMemoryNode", match[2])


def accounting_memory(fields: dict[str, str], script: str) -> dict[str, str]:
    """The memory field of a job rebuilt from accounting: the script's own #SBATCH line (so an
    edit keeps its kind), else the requested total spread over the nodes."""
    directive = memory_directive(script)
    if directive is not None:
        return dict([directive])
    tres = dict(part.split("=", 1) for part in fields.get("TRES", "").split(",") if "=" in part)
    nodes = fields.get("NumNodes", "")
    try:
        total = parse_size(tres.get("mem", ""))
    except SlurmParseError:
        return {}
    if not total or not nodes.isdigit() or int(nodes) == 0:
        return {}
    return {"MinMemoryNode": f"{total // int(nodes) >> 20}M"}


def fields_from_accounting(job_id: str, record: dict[str, str]) -> dict[str, str]:
    """``scontrol show job``-style fields rebuilt from accounting, for a job the controller forgot."""
    given = parse_submit_line(record.get("SubmitLine", "")).options
    output = given.get("output", "")
    return {
        "JobId": job_id,
        "StdOut": output,  # the pattern as typed (sacct 22.05 has no StdOut); "" leaves it to the script
        "StdErr": given.get("error", output),
        "JobName": record.get("JobName", ""),
        "Partition": record.get("Partition", ""),
        "TimeLimit": record.get("Timelimit", ""),
        "NumNodes": record.get("NNodes", ""),
        "WorkDir": record.get("WorkDir", ""),
        "TRES": record.get("ReqTRES", ""),
        "Command": script_from_submit_line(record.get("SubmitLine", ""), record.get("WorkDir", "")),
    }


def exported_variables(submit_line: str) -> dict[str, str]:
    """``NAME=value`` pairs the original ``sbatch --export=...`` passed (values cut at the first
    space: SubmitLine has lost the quotes)."""
    pairs: dict[str, str] = {}
    for item in parse_submit_line(submit_line).options.get("export", "").split(","):
        name, eq, value = item.partition("=")
        if eq and re.fullmatch(r"[A-Za-z_]\w*", name):
            pairs[name] = value
    return pairs
