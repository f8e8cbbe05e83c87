"""Per-cluster rules: the facts come from the config (``Cluster.rules``), never from cluster
names written here. Without a cluster, rules that need facts stay silent; the generic ones
(ROCm allocator, PROJ_DATA, module purge as a warning) still run."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from hpctui.toolkit.lint.document import Document
from hpctui.toolkit.lint.facts import (
    command_requests,
    container_runs,
    directive_request,
    env_settings,
    python_runs,
    sets_env,
    settings_of,
)  # fmt: skip
from hpctui.toolkit.lint.kinds import SCRIPTS, SHELL_LIKE, Kind
from hpctui.toolkit.lint.python import called_name, constant_strings, cpu_count_calls, imported_modules
from hpctui.toolkit.lint.registry import Hit, LintContext, Severity, rule
from hpctui.toolkit.lint.shellsyntax import ShellScript, Word

MISTAKES = "Common Mistakes"
MEM_OPTIONS = ("mem", "mem-per-cpu", "mem-per-gpu")
BIND_VARIABLES = ("APPTAINER_BIND", "APPTAINER_BINDPATH", "SINGULARITY_BIND", "SINGULARITY_BINDPATH")
HIP_ALLOC = ("PYTORCH_HIP_ALLOC_CONF", "expandable_segments:True")
_NPROC = re.compile(r"(?<![\w.-])nproc(?![\w.-])|getconf\s+_?NPROCESSORS_ONLN")
_CAPPED = re.compile(r"SLURM_CPUS|\bmin\b|\s-[lg][te]\s|\?")  # min(), [ -le ], $(( a < b ? a : b ))
_ROCM = re.compile(r"(?i)\brocm|\bhip\b|\b(?:HIP|ROCR)_VISIBLE_DEVICES\b|\bMIOPEN_")
_WANDB = re.compile(r"(?i)\bwandb")  # also WANDB_PROJECT=..., --wandb
_ML_ACTIONS = frozenset(
    "load add purge unload del rm swap switch list avail spider show save restore use reset".split()
)
_PROJ_USERS = re.compile(r"\b(?:rasterio|pyproj|geopandas|gdal\w*|ogr2ogr)\b")

MEM = rule(
    "HPC301", "mem-forbidden-partition", "--mem on a partition where the cluster forbids it", Severity.ERROR,
    why="Some partitions allocate whole nodes and reject (or crash on) explicit memory requests.",
    fix="remove --mem (and --mem-per-cpu/--mem-per-gpu) for that partition",
    source="Used `--mem` on Betzy's `normal` partition -- crashes the job. Betzy allocates full "
    "nodes automatically on `normal`; remove `--mem` entirely.",
    section=f"{MISTAKES} #11", facts="forbid_mem_partitions",
)  # fmt: skip

THREADS = rule(
    "HPC302", "uncapped-threads", "thread count from the CPU count without a cap", Severity.WARNING,
    why="os.cpu_count() / nproc count hyperthreads (256 on a 128-core node); tools that size "
    "internal structures on it (tippecanoe) break, and threads oversubscribe the cores.",
    fix="cap it: min(os.cpu_count(), N) with N the cluster's thread_cap, or use $SLURM_CPUS_PER_TASK",
    source="Didn't cap thread counts on Betzy -- `os.cpu_count()` returns 256 (hyperthreads), "
    "breaking tools like tippecanoe ... Cap at 128.",
    section=f"{MISTAKES} #12", facts="thread_cap",
)  # fmt: skip

BINDS = rule(
    "HPC303", "container-binds", "container started without the cluster's required binds", Severity.ERROR,
    why="Some clusters need host libraries bound into the container (the Cray libfabric on "
    "LUMI); without them the GPUs are invisible: \"No HIP GPUs available\".",
    fix="add -B for each required bind, e.g. apptainer exec -B /opt/cray/libfabric IMAGE ...",
    source="Forgot `-B /opt/cray/libfabric` in container bindings on LUMI -- \"No HIP GPUs available\" error.",
    section=f"{MISTAKES} #3", facts="container_binds",
)  # fmt: skip

REQUIRED_ENV = rule(
    "HPC304", "required-env", "job does not export a variable the cluster requires", Severity.ERROR,
    why="Variables a cluster's GPU jobs need (the ROCm allocator setting on LUMI) are easy to forget "
    "and fail late: OOM at ~40 GB instead of ~60 GB.",
    fix="export NAME=value in the job script (or sbatch --export=ALL,NAME=value)",
    source="Forgot `PYTORCH_HIP_ALLOC_CONF=expandable_segments:True` on LUMI -- OOM at ~40GB instead of ~60GB",
    section=f"{MISTAKES} #2", facts="required_env",
)  # fmt: skip

ROCM_ALLOC = rule(
    "HPC305", "rocm-alloc-conf", "ROCm PyTorch job without expandable segments", Severity.ERROR,
    why="The HIP caching allocator fragments badly: an MI250X runs out of memory at ~40 GB of 64.",
    fix="export PYTORCH_HIP_ALLOC_CONF=expandable_segments:True",
    source="Forgot `PYTORCH_HIP_ALLOC_CONF=expandable_segments:True` on LUMI -- OOM at ~40GB instead "
    "of ~60GB on MI250X. The memory allocator fragments badly without this.",
    section=f"{MISTAKES} #2", facts="rocm (or the script mentions ROCm/HIP); skipped when required_env covers it",
)  # fmt: skip

WANDB = rule(
    "HPC306", "wandb-no-network", "WandB enabled where compute nodes have no outbound network", Severity.ERROR,
    why="wandb.init() keeps trying to reach the server: the job hangs 30+ minutes at startup.",
    fix="export WANDB_MODE=disabled (or offline) in the job script, or wandb.init(mode=\"disabled\")",
    source="Left WandB enabled in LUMI container -- job hung for 30+ minutes at startup trying to "
    "connect. Set `WANDB_MODE=disabled`.",
    section=f"{MISTAKES} #5; Monitoring Training Without WandB", facts="outbound_network",
)  # fmt: skip

PROJ = rule(
    "HPC307", "proj-data-container", "PROJ user in a container without PROJ_DATA", Severity.WARNING,
    why="Inside a container rasterio/pyproj may pick up the host's outdated proj.db and produce "
    "silently wrong coordinates.",
    fix="export PROJ_DATA to the container's own proj data (e.g. APPTAINERENV_PROJ_DATA=.../rasterio/proj_data)",
    source="PROJ_DATA mismatch in containers -- system proj.db is outdated; rasterio/pyproj produce "
    "silently wrong coordinates. Always set `PROJ_DATA` to the container's rasterio proj_data path.",
    section=f"{MISTAKES} #14",
)  # fmt: skip

MODULE_TORCH = rule(
    "HPC308", "module-pytorch", "PyTorch loaded from a module system known to be broken", Severity.ERROR,
    why="A module's PyTorch may contain only CUDA stubs, not the runtime: torch.cuda fails.",
    fix="pip-install PyTorch into a venv (or use a container) instead of `module load PyTorch`",
    source="Used module-provided PyTorch on Saga -- contained only CUDA stubs, not runtime libraries.",
    section=f"{MISTAKES} #4", facts="module_pytorch_broken",
)  # fmt: skip

MODULE_PURGE = rule(
    "HPC309", "module-purge", "`module load` without a `module purge` first", Severity.WARNING,
    why="A job inherits the modules of the shell it was submitted from; leftovers cause cryptic "
    "library conflicts. An error where the cluster requires a purge, else a warning.",
    fix="`module purge` before the first `module load`",
    source="Forgot `module purge` on Saga -- cryptic library conflicts from leftover module state.",
    section=f"{MISTAKES} #7", facts="require_module_purge (error instead of warning)",
)  # fmt: skip


def _at(word: Word) -> tuple[int, int]:
    return word.line, word.col


@MEM.check(*SHELL_LIKE)
def _mem(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    forbidden = set(ctx.rules.forbid_mem_partitions) if ctx.rules else set()
    if not forbidden:
        return
    job = directive_request(doc.script)
    for request in (job, *command_requests(doc.script)):
        partition = request.get("partition") or (
            job.get("partition") if request.tool and request.tool.name == "srun" else None
        )
        bad = sorted(set((partition.value or "").split(",")) & forbidden) if partition else []
        for option in request.options:
            if option.name in MEM_OPTIONS and bad:
                yield Hit(
                    *_at(option.word), f"--{option.name} on partition {', '.join(bad)}: {ctx.where} forbids it there"
                )


@THREADS.check(*SHELL_LIKE)
def _threads_shell(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    if not (ctx.rules and ctx.rules.thread_cap):
        return
    for line in doc.script.logical:
        m = _NPROC.search(line.text)
        if m and not _CAPPED.search(line.text):
            yield Hit(*line.at(m.start()), f"`{m.group()}` counts hyperthreads; {ctx.where} caps threads at {ctx.rules.thread_cap}",
                      hint=f"use ${{SLURM_CPUS_PER_TASK}} or cap it: $(( $(nproc) > {ctx.rules.thread_cap} ? {ctx.rules.thread_cap} : $(nproc) ))")  # fmt: skip


@THREADS.check(Kind.PYTHON)
def _threads_python(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    if not (ctx.rules and ctx.rules.thread_cap) or "cpu_count" not in doc.text:
        return
    cap = ctx.rules.thread_cap
    for call, capped_by in cpu_count_calls(doc):
        limits = (
            [a.value for a in capped_by.args if isinstance(a, ast.Constant) and isinstance(a.value, int)]
            if capped_by
            else []
        )
        if capped_by is None:
            message = f"cpu_count() counts hyperthreads; {ctx.where} caps threads at {cap}"
        elif limits and min(limits) > cap:
            message = f"cpu_count() capped at {min(limits)}, above {ctx.where}'s cap of {cap}"
        else:
            continue
        yield Hit(call.lineno, call.col_offset + 1, message, hint=f"min(os.cpu_count() or 1, {cap})")


def _bind_sources(values: list[str]) -> tuple[set[str], bool]:
    """Host paths of ``-B src[:dst[:opts]],...`` / ``--mount type=bind,source=...``; and whether
    some bind is a variable the linter cannot see."""
    sources: set[str] = set()
    unknown = False
    for value in values:
        for part in value.split(","):
            unknown |= "$" in part
            key, eq, rest = part.partition("=")
            path = rest if eq and key in ("source", "src") else part.split(":")[0]
            if path and "=" not in path:
                sources.add(path.rstrip("/") or "/")
    return sources, unknown


def _covered(required: str, sources: set[str]) -> bool:
    required = required.rstrip("/")
    return any(required == s or required.startswith(s.rstrip("/") + "/") for s in sources)


@BINDS.check(*SHELL_LIKE)
def _binds(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    required = ctx.rules.container_binds if ctx.rules else ()
    if not required:
        return
    from_env = [s.value for s in env_settings(doc.script) if s.name in BIND_VARIABLES]
    for run in container_runs(doc.script):
        if run.runtime.name not in ("apptainer", "singularity"):
            continue
        sources, unknown = _bind_sources([o.value or "" for o in run.options if o.name in ("bind", "mount")] + from_env)
        missing = [r for r in required if not _covered(r, sources)]
        if missing and not unknown:
            yield Hit(*_at(run.runtime), f"{run.runtime.name} {run.action} without -B {','.join(missing)} ({ctx.where} needs it)",
                      hint=f"{run.runtime.name} {run.action} -B {','.join(missing)} ...")  # fmt: skip


def _job_payload(doc: Document) -> Word | None:
    """Where the job's real work starts: the first Python run (or, in a GPU sbatch script, its first command)."""
    run = next(python_runs(doc.script), None)
    if run is not None or doc.kind is not Kind.SBATCH:
        return run
    job = directive_request(doc.script)
    gres = job.get("gres")
    gpus = any(job.get(name) for name in ("gpus", "gpus-per-node", "gpus-per-task")) or (
        gres and "gpu" in (gres.value or "")
    )
    first = next((c.words[0] for c in doc.script.commands if c.words), None)
    return first if gpus else None


@REQUIRED_ENV.check(*SCRIPTS)
def _required_env(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    required = ctx.rules.required_env if ctx.rules else ()
    payload = _job_payload(doc) if required else None
    if payload is None:
        return
    for name, value in required:
        if sets_env(doc.script, name, value):
            continue
        other = settings_of(doc.script, name)
        said = (
            f"sets {name}={other[0].value}, but {ctx.where} requires {value}"
            if other
            else f"does not export {name}={value}, which {ctx.where} requires"
        )
        yield Hit(*_at(payload), f"job {said}", hint=f"export {name}={value}")


@ROCM_ALLOC.check(*SCRIPTS)
def _rocm_alloc(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    rules = ctx.rules
    if rules and any(name == HIP_ALLOC[0] for name, _ in rules.required_env):
        return  # HPC304 reports it with the cluster's value
    run = next(python_runs(doc.script), None)
    rocm = (rules is not None and rules.rocm) or doc.script.search(_ROCM) is not None
    if run is not None and rocm and not sets_env(doc.script, *HIP_ALLOC):
        yield Hit(*_at(run), f"ROCm job without {HIP_ALLOC[0]}={HIP_ALLOC[1]}: out of memory at ~2/3 of the GPU's")


def _wandb_off(script: ShellScript) -> bool:
    return any(sets_env(script, "WANDB_MODE", mode) for mode in ("disabled", "offline")) or sets_env(
        script, "WANDB_DISABLED", "true"
    )


@WANDB.check(*SHELL_LIKE)
def _wandb_shell(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    if ctx.rules is None or ctx.rules.outbound_network:
        return
    where = doc.script.search(_WANDB)
    if where and not _wandb_off(doc.script):
        yield Hit(
            *where, f"WandB without WANDB_MODE=disabled: {ctx.where} has no outbound network, the job hangs at startup"
        )


@WANDB.check(Kind.PYTHON)
def _wandb_python(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    if ctx.rules is None or ctx.rules.outbound_network or "wandb" not in doc.text:
        return
    imported = next((node for name, node in imported_modules(doc) if name == "wandb"), None)
    chooses_mode = any(c.value in ("WANDB_MODE", "WANDB_DISABLED") for c in constant_strings(doc.nodes)) or any(
        isinstance(n, ast.Call) and called_name(n) == "init" and any(k.arg == "mode" for k in n.keywords) for n in doc.nodes)  # fmt: skip
    if imported is not None and not chooses_mode:
        yield Hit(imported.lineno, imported.col_offset + 1,
                  f"imports wandb and never sets its mode: {ctx.where} has no outbound network, wandb.init() hangs",
                  hint='export WANDB_MODE=disabled in the job script (then `# hpctui: noqa HPC306` here), or wandb.init(mode="disabled")')  # fmt: skip


@PROJ.check(*SHELL_LIKE)
def _proj(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    run = next(container_runs(doc.script), None)
    if run is None or doc.script.search(_PROJ_USERS) is None:
        return
    if not (sets_env(doc.script, "PROJ_DATA") or sets_env(doc.script, "PROJ_LIB")):
        yield Hit(
            *_at(run.runtime),
            "rasterio/pyproj/GDAL in a container without PROJ_DATA: coordinates may be silently wrong",
        )


def _module_commands(script: ShellScript) -> Iterator[tuple[str, list[Word]]]:
    """(action, module words) of ``module [opts] ACTION ...`` and ``ml ...`` (``ml MOD`` loads)."""
    for command in script.commands:
        words = [w for w in command.words if not w.text.startswith("-")]
        if len(words) < 2 or words[0].text not in ("module", "ml"):
            continue
        action = words[1].text
        if words[0].text == "ml" and action not in _ML_ACTIONS:
            yield "load", words[1:]
        else:
            yield ("load" if action == "add" else action), words[2:]


@MODULE_TORCH.check(*SCRIPTS)
def _module_torch(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    if not (ctx.rules and ctx.rules.module_pytorch_broken):
        return
    for action, modules in _module_commands(doc.script):
        for module in modules:
            if action == "load" and re.search(r"(?i)torch", module.text):
                yield Hit(
                    *_at(module), f"module {module.text}: {ctx.where}'s module PyTorch is broken (CUDA stubs only)"
                )


@MODULE_PURGE.check(*SCRIPTS)
def _module_purge(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    required = bool(ctx.rules and ctx.rules.require_module_purge)
    for action, modules in _module_commands(doc.script):
        if action in ("purge", "reset"):
            return
        if action == "load" and modules:
            said = (
                f"{ctx.where} requires `module purge` first"
                if required
                else "leftover modules of the submitting shell stay loaded"
            )
            yield Hit(*_at(modules[0]), f"module load without module purge before it: {said}",
                      severity=Severity.ERROR if required else None)  # fmt: skip
            return
