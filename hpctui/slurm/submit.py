"""The sbatch options that reproduce (or edit) a job's request. Pure: strings in, values out.

Three sources, in this order of precedence:
1. the original command line (accounting's SubmitLine): passed again as typed, since it
   overrode the script the first time too;
2. the script's own ``#SBATCH`` lines: not passed at all, the script brings them again
   (passing an equivalent, e.g. ``--gres`` for the script's ``--gpus-per-node``, would double it);
3. what the controller (or accounting) says the job had, for the rest: requests that came
   from the environment (``SBATCH_ACCOUNT``, ...) or site defaults.
"""

from __future__ import annotations

import math
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace

from hpctui.errors import UserError
from hpctui.slurm.commands import sbatch_command
from hpctui.slurm.directives import ScriptDirectives
from hpctui.slurm.errors import SlurmParseError
from hpctui.slurm.filenames import NO_TASK
from hpctui.slurm.parse import parse_duration
from hpctui.slurm.parse.fields import optional
from hpctui.slurm.sbatch_options import Given
from hpctui.slurm.submitline import SubmitLine

# SubmitOptions field -> the sbatch options that ask for the same thing.
GROUPS: dict[str, tuple[str, ...]] = {
    "job_name": ("job-name",), "partition": ("partition",), "time": ("time",), "nodes": ("nodes",),
    "ntasks": ("ntasks",), "cpus_per_task": ("cpus-per-task",), "memory": ("mem", "mem-per-cpu", "mem-per-gpu"),
    "gres": ("gres", "gpus-per-node"), "gpus": ("gpus",), "gpus_per_task": ("gpus-per-task",),
    "account": ("account",), "qos": ("qos",), "constraint": ("constraint",), "array": ("array",),
    "reservation": ("reservation",), "output": ("output",), "error": ("error",),
}  # fmt: skip
# Options of the original command line that are not repeated: they concern that submission
# only (how sbatch printed or waited, the directory and cluster it ran in: hpctui sets those).
_NOT_REPEATED = frozenset(
    {
        "parsable",
        "wait",
        "test-only",
        "quiet",
        "verbose",
        "help",
        "usage",
        "version",
        "chdir",
        "clusters",
        "export",
        "wrap",
    }
)
# ... and these, which would hold or delay the new job on the old one's account: said in a note.
_DROPPED_WITH_NOTE = frozenset({"dependency", "begin", "deadline", "hold", "uid", "gid"})


@dataclass(frozen=True)
class SubmitOptions:
    """sbatch options that reproduce a job's request; ``as_options()`` renders them."""

    job_name: str | None = None
    partition: str | None = None
    time: str | None = None  # Slurm time string, e.g. "1-00:00:00"
    nodes: str | None = None
    ntasks: str | None = None
    cpus_per_task: str | None = None
    memory: str | None = None  # e.g. "4G", of the kind below
    memory_kind: str = "mem"  # mem (per node), mem-per-cpu or mem-per-gpu: edits keep the kind
    gres: str | None = None  # e.g. "gpu:2"
    gpus: str | None = None
    gpus_per_task: str | None = None
    account: str | None = None
    qos: str | None = None
    constraint: str | None = None
    array: str | None = None
    reservation: str | None = None
    output: str | None = None
    error: str | None = None
    extra: tuple[tuple[str, str | None], ...] = field(default=())  # as typed on the original command line
    from_script: frozenset[str] = frozenset()  # fields the script's #SBATCH lines set: not passed unless edited

    def as_options(self) -> dict[str, str | bool | None]:
        """``{sbatch option name: value}`` for ``commands.sbatch_command``, in a stable order."""
        rendered: dict[str, str | bool | None] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in self.from_script:
                continue
            if item.name == "memory" and value:
                rendered[self.memory_kind] = value
            elif item.name not in ("memory", "memory_kind", "extra", "from_script") and value:
                rendered[_option(item.name)] = value
        rendered.update((name, True if value is None else value) for name, value in self.extra)
        return rendered

    def edited(self, time: str | None = None, mem: str | None = None, partition: str | None = None) -> SubmitOptions:
        """A copy with the given values changed (each validated); ``mem`` keeps the job's kind
        (per node, per CPU or per GPU), since sbatch refuses two kinds at once."""
        changes: dict[str, str | None] = {}
        if time:
            changes["time"] = validate_time(time)
        if mem:
            changes["memory"] = validate_mem(mem)
        if partition:
            changes["partition"] = validate_partition(partition)
        return replace(self, **changes, from_script=self.from_script - set(changes))  # type: ignore[arg-type]

    def without_memory(self) -> SubmitOptions:
        return replace(self, memory=None, from_script=self.from_script - {"memory"})


@dataclass(frozen=True)
class Derived:
    options: SubmitOptions
    notes: tuple[str, ...]  # what is deliberately not repeated
    unsure: tuple[str, ...]  # what could not be recovered for certain


def options_from_job(fields: dict[str, str], directives: ScriptDirectives, typed: SubmitLine | None = None) -> Derived:
    """The options of a job from ``scontrol show job``-style ``fields`` (effective values),
    the script's directives and the original command line."""
    typed_options = typed.options if typed is not None else ()
    script_options = directives.options().options
    effective = _effective(fields)
    chosen: dict[str, str | None] = {}
    from_script: set[str] = set()
    spelled: list[tuple[str, str | None]] = []
    for name, members in GROUPS.items():
        typed_value, script_value = _last(typed_options, members), _last(script_options, members)
        if typed_value is not None and name != "array" and typed_value[0] not in (_option(name), *GROUPS["memory"]):
            spelled.append(typed_value)  # another spelling (--gpus-per-node for --gres): passed as typed
        elif typed_value is not None and name != "array":  # as Slurm spells it when it can (1 -> 00:01:00)
            chosen[name] = _typed_or_effective(name, typed_value[1], effective.get(name))
        elif script_value is not None and name != "array":  # the script brings it again
            chosen[name] = script_value[1]
            from_script.add(name)
        else:  # from the environment or a default; for an array, the task being resubmitted
            chosen[name] = effective.get(name)
    unsure: list[str] = []
    logs = ("output", "error")
    if not any(_last(options, logs) for options in (typed_options, script_options)):
        chosen["output"], chosen["error"] = _log_patterns(fields, unsure)
    extra, notes = _extra(typed_options)
    options = SubmitOptions(
        **chosen, memory_kind=_memory_kind(typed_options, directives, fields), extra=(*spelled, *extra),
        from_script=frozenset(from_script),
    )  # fmt: skip
    return Derived(options, notes, tuple(unsure))


def _typed_or_effective(name: str, typed: str | None, effective: str | None) -> str | None:
    """A typed request as Slurm spells it (``1`` -> ``00:01:00``), unless Slurm's value says
    less: accounting's ``gres/gpu=2`` has lost the GPU type of ``--gres=gpu:mi250x:2``, so a
    typed GRES that asks for the same counts is kept (Slurm's wins where the counts differ:
    the job was changed after it was submitted). Memory is kept as typed (its kind too)."""
    if name == "memory" or (name == "gres" and typed is not None and _untyped_gres(typed) == effective):
        return typed
    return effective or typed


def _untyped_gres(gres: str) -> str:
    """``gpu:mi250x:2,shard`` -> ``gpu:2,shard:1``: each GRES's name and count, as accounting keeps them."""
    items = (item.split(":") for item in gres.split(","))
    return ",".join(f"{parts[0]}:{parts[-1] if len(parts) > 1 and parts[-1].isdigit() else 1}" for parts in items)


def _option(field_name: str) -> str:
    return field_name.replace("_", "-")


def _last(options: Sequence[Given], names: tuple[str, ...]) -> tuple[str, str | None] | None:
    found = [(g.name, g.value) for g in options if g.name in names]
    return found[-1] if found else None


def _effective(fields: dict[str, str]) -> dict[str, str | None]:
    def get(name: str) -> str | None:
        return optional(fields.get(name, ""))

    time_limit = get("TimeLimit")
    return {
        "job_name": get("JobName"),
        "partition": get("Partition"),
        "time": None if time_limit == "UNLIMITED" else time_limit,
        "nodes": get("NumNodes"),
        "ntasks": get("NumTasks"),
        "cpus_per_task": get("CPUs/Task"),
        "memory": _reported_memory(fields)[1],
        "gres": _gres(get("TresPerNode")),
        "gpus": _gres_value(get("TresPerJob"), "gpu"),
        "gpus_per_task": _gres_value(get("TresPerTask"), "gpu"),
        "account": get("Account"),
        "qos": get("QOS"),
        "constraint": get("Features"),
        "array": get("ArrayTaskId"),
        "reservation": get("Reservation"),
    }


def _memory_kind(typed: Sequence[Given], directives: ScriptDirectives, fields: dict[str, str]) -> str:
    """Per node, per CPU or per GPU: as typed, else as the script asks, else as the controller reports."""
    for found in (_last(typed, GROUPS["memory"]), _last(directives.options().options, GROUPS["memory"])):
        if found is not None:
            return found[0]
    return _reported_memory(fields)[0]


def _reported_memory(fields: dict[str, str]) -> tuple[str, str | None]:
    """(kind, value) of the memory the controller reports; scontrol shows a default per-CPU
    value next to a per-GPU request, so the per-GPU one is looked at first."""
    per_gpu = _gres_value(optional(fields.get("MemPerTres", "")), "gpu")
    if per_gpu:
        return "mem-per-gpu", f"{per_gpu}M"
    for name, kind in (("MinMemoryNode", "mem"), ("MinMemoryCPU", "mem-per-cpu")):
        if value := optional(fields.get(name, "")):
            return kind, value
    return "mem", None


def _gres(tres_per_node: str | None) -> str | None:
    """``gres:gpu:2`` (22.05) or ``gres/gpu:2`` (23.x) -> ``gpu:2``."""
    if not tres_per_node:
        return None
    return ",".join(re.sub(r"^gres[:/]", "", part) for part in tres_per_node.split(","))


def _gres_value(tres: str | None, name: str) -> str | None:
    """``gres:gpu:2`` -> ``2``, ``gres:gpu:a100:2`` -> ``a100:2`` (the form --gpus* take)."""
    for part in (_gres(tres) or "").split(","):
        kind, _, value = part.partition(":")
        if kind == name and value:
            return value
    return None


def _extra(typed: Sequence[Given]) -> tuple[tuple[tuple[str, str | None], ...], tuple[str, ...]]:
    """Typed options no SubmitOptions field covers (passed as typed), and notes on those dropped."""
    covered = {member for members in GROUPS.values() for member in members}
    extra: dict[str, str | None] = {}
    notes: list[str] = []
    for given in typed:
        if given.name in _DROPPED_WITH_NOTE:
            notes.append(f"Not repeated from the original command line: {given.spelled}")
        elif given.name not in covered and given.name not in _NOT_REPEATED:
            extra.pop(given.name, None)
            extra[given.name] = given.value
    return tuple(extra.items()), tuple(notes)


def _log_patterns(fields: dict[str, str], unsure: list[str]) -> tuple[str | None, str | None]:
    """The StdOut/StdErr paths turned back into filename patterns (None: Slurm's default)."""
    out, err = optional(fields.get("StdOut", "")), optional(fields.get("StdErr", ""))
    output = log_pattern(out, fields, unsure, default_ok=True)
    error = log_pattern(err, fields, unsure, default_ok=False) if err != out else None
    return output, error


def log_pattern(path: str | None, fields: dict[str, str], unsure: list[str], default_ok: bool) -> str | None:
    """An expanded log path with the ids Slurm put in it turned back into ``%j``, or ``%A``
    and ``%a`` for an array; None for Slurm's default."""
    if not path:
        return None
    replacements, default = _id_codes(fields, path)
    pattern = path
    for number, token in replacements:
        pattern = _token_back(pattern, number, token, unsure)
    if default_ok and pattern == posixpath.join(fields.get("WorkDir", ""), default):
        return None
    return pattern


def _id_codes(fields: dict[str, str], path: str) -> tuple[list[tuple[str, str]], str]:
    """The ids Slurm may have put in ``path``, each with its code, and Slurm's default log name.

    In an array, the task id is ``%a``; the pending rest of one has no task id yet and Slurm
    writes NO_VAL there (``slurm-13467_4294967294.out``): that is ``%a`` too, never a literal
    every new task would write to. The array's id is ``%A`` next to a task id; alone it is
    taken as ``%j`` where the job's id is the array's (the pending rest): ``%A`` would put
    every task in one file, ``%j`` keeps one file per task either way."""
    job_id, array_job, task = fields.get("JobId", ""), fields.get("ArrayJobId", ""), fields.get("ArrayTaskId", "")
    if not array_job:
        return [(job_id, "%j")], "slurm-%j.out"
    task_id = task if task.isdigit() else NO_TASK
    array_code = "%A" if job_id != array_job or _places(path, task_id) else "%j"
    return [(task_id, "%a"), (array_job, array_code), (job_id, "%j")], "slurm-%A_%a.out"


def _places(path: str, number: str) -> list[re.Match[str]]:
    """Where ``number`` stands in ``path`` as a whole number."""
    return list(re.finditer(rf"(?<!\d){re.escape(number)}(?!\d)", path)) if number else []


def _token_back(path: str, number: str, token: str, unsure: list[str]) -> str:
    """``path`` with ``number`` turned back into ``token`` where Slurm put it. Where it appears
    once, that is the place. Where it appears more often (``/data/1234/run_1234.out``), only
    the file name's is taken, or the last one: a guess, said in ``unsure``."""
    found = _places(path, number)
    if len(found) > 1:
        name_start = path.rfind("/") + 1
        chosen = [m for m in found if m.start() >= name_start] or found[-1:]
        unsure.append(
            f"log path {path}: {number} appears {len(found)} times; "
            f"taken as {token} only in the file name (else at its last place)"
        )
        found = chosen
    for match in reversed(found):
        path = path[: match.start()] + token + path[match.end() :]
    return path


@dataclass(frozen=True)
class Export:
    """How a job's environment was exported (``--export``)."""

    import_all: bool = True  # ALL (the default) or not (NONE, or only the names given)
    variables: tuple[tuple[str, str], ...] = ()  # NAME=value pairs it set
    names: tuple[str, ...] = ()  # bare names: their value was taken from sbatch's environment
    given: bool = False  # an --export was given on the command line (it overrides the script's)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_export(value: str | None, given: bool) -> Export:
    """``--export`` as sbatch reads it: ALL, NONE, and NAME or NAME=value items."""
    if value is None:
        return Export(given=given)
    items = [item for item in value.split(",") if item]
    variables: list[tuple[str, str]] = []
    names: list[str] = []
    import_all = not items
    for item in items:
        name, eq, rest = item.partition("=")
        if item.upper() == "ALL":
            import_all = True
        elif item.upper() != "NONE" and _NAME.fullmatch(name) and eq:
            variables.append((name, rest))
        elif item.upper() != "NONE" and _NAME.fullmatch(name):
            names.append(name)
    return Export(import_all, tuple(variables), tuple(names), given)


def export_of(typed: SubmitLine | None, directives: ScriptDirectives) -> Export:
    """The original job's export: the command line's, else the script's, else ALL."""
    if typed is not None and (value := typed.get("export")) is not None:
        return parse_export(value, given=True)
    return parse_export(directives.get("export"), given=False)


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


def resubmit_command(
    script_path: str,
    args: list[str],
    *,
    work_dir: str,
    export: Export,
    extra_env: dict[str, str],
    options: dict[str, str | bool | None],
) -> str:
    """``cd WORKDIR && ... sbatch --parsable [options] SCRIPT [args]``.

    The job's exported environment is kept as it was: ALL jobs get ``extra_env`` on top of
    the whole environment; jobs that exported only some names (or NONE) get just those names
    plus ``extra_env``, never the whole environment."""
    variables = {**dict(export.variables), **extra_env}
    return sbatch_command(
        script_path, workdir=work_dir, export=variables, export_spec=_export_spec(export, variables),
        options=dict(options), args=args,
    )  # fmt: skip


def _export_spec(export: Export, variables: dict[str, str]) -> str | None:
    """None: the whole environment (``--export=ALL`` when variables are set); "": no --export
    (the script's own NONE applies); else ``NAME,...`` (only those) or ``NONE``."""
    if export.import_all:
        return None
    names = tuple(dict.fromkeys((*export.names, *variables)))
    if names:
        return ",".join(names)
    return "NONE" if export.given else ""
