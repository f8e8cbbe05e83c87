"""Builders of the remote shell commands that query Slurm. Pure: they return strings.

Every variable part goes through ``shlex.quote``. Every command starts with ``env`` that
removes the variables with which a user's shell start-up files could change what Slurm
prints or which jobs it shows (SQUEUE_FORMAT, SQUEUE_STATES, SLURM_CLUSTERS, ...) and pins
SLURM_TIME_FORMAT to ISO 8601. The delimiter byte ``\\x1f`` travels inside single quotes,
which every shell (sh, bash, zsh, csh) passes through literally.

Controller cost (each call is RPCs to a controller that thousands of users share):
squeue with ``--local`` costs 2 RPCs (job + partition info, no federation lookup),
sinfo 2 (partition + node info); the combined poll runs both in one SSH round trip.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable

from hpctui.errors import UserError
from hpctui.slurm.formats import DELIMITER, SACCT_FIELDS, SINFO_FIELDS, long_format, squeue_format

_ALWAYS_UNSET = ("SLURM_CLUSTERS", "SLURM_BITSTR_LEN")
_ALWAYS_SET = (("SLURM_TIME_FORMAT", "standard"),)
SQUEUE_ENV = (
    "SQUEUE_ACCOUNT", "SQUEUE_ALL", "SQUEUE_ARRAY", "SQUEUE_ARRAY_UNIQUE", "SQUEUE_FEDERATION",
    "SQUEUE_FORMAT", "SQUEUE_FORMAT2", "SQUEUE_LICENSES", "SQUEUE_LOCAL", "SQUEUE_NAMES",
    "SQUEUE_PARTITION", "SQUEUE_PRIORITY", "SQUEUE_QOS", "SQUEUE_SIBLING", "SQUEUE_SORT",
    "SQUEUE_STATES", "SQUEUE_USERS",
)  # fmt: skip
SINFO_ENV = ("SINFO_ALL", "SINFO_FEDERATION", "SINFO_FORMAT", "SINFO_LOCAL", "SINFO_PARTITION", "SINFO_SORT")
SACCT_ENV = ("SACCT_FEDERATION", "SACCT_FORMAT", "SACCT_LOCAL")

_ARRAY_SPEC = r"\[\d+(?:-\d+(?::\d+)?)?(?:,\d+(?:-\d+(?::\d+)?)?)*(?:%\d+)?\]"
_JOB_ID = re.compile(rf"\d{{1,12}}(?:_(?:\d{{1,9}}|{_ARRAY_SPEC})|\+\d{{1,4}})?")
_SINGLE_JOB_ID = re.compile(r"\d{1,12}(?:_\d{1,9}|\+\d{1,4})?")
PARTITION_NAME = re.compile(r"[A-Za-z0-9_.\-]+")


def env_prefix(unset: Iterable[str] = (), **extra: str) -> str:
    """``env -u VAR ... NAME=value``: a clean, predictable environment for one Slurm client."""
    parts = ["env"]
    for name in (*_ALWAYS_UNSET, *unset):
        parts += ["-u", name]
    parts += [f"{name}={shlex.quote(value)}" for name, value in (*_ALWAYS_SET, *extra.items())]
    return " ".join(parts)


_ENV_PREFIX = re.compile(r"^env(?: -u [A-Za-z_]\w*)*(?: [A-Za-z_]\w*=\S+)* ")


def split_env_prefix(command: str) -> tuple[str, str]:
    """``(the env -u ... prefix of env_prefix with its space, the rest)``; ``("", command)`` without one."""
    found = _ENV_PREFIX.match(command)
    return (found.group(), command[found.end() :]) if found else ("", command)


def without_env_prefix(command: str) -> str:
    """The command after the ``env -u ...`` prefix of ``env_prefix``: what a narrow column shows
    (``scancel --verbose 123``); the full command is shown where there is room."""
    return split_env_prefix(command)[1]


def validate_job_id(text: str, *, single: bool = False) -> str:
    """Return ``text`` stripped if it is a job id: ``123``, ``123_4``, ``123+1`` (het job
    component) or, unless ``single``, an array spec like ``123_[1-5,7%2]``.

    Raises UserError naming the bad value otherwise.
    """
    value = text.strip() if isinstance(text, str) else ""
    pattern = _SINGLE_JOB_ID if single else _JOB_ID
    if not pattern.fullmatch(value):
        kind = "a single job id" if single else "a job id"
        raise UserError(f"not {kind}: {text!r} (expected 123, 123_4{'' if single else ' or 123_[1-5]'})")
    return value


def validate_job_ids(ids: Iterable[str]) -> list[str]:
    """Validate each id; at least one is required."""
    values = [validate_job_id(i) for i in ids]
    if not values:
        raise UserError("no job id given")
    return values


def _partition_list(partitions: Iterable[str]) -> str:
    names = list(partitions)
    for name in names:
        if not PARTITION_NAME.fullmatch(name):
            raise UserError(f"not a partition name: {name!r}")
    return ",".join(names)


def user_word(user: str | None) -> str:
    """``user`` as one word of a remote command; None: the login user, as the remote shell
    names them (``"$(id -un)"``: whatever the ssh config logged in as)."""
    return shlex.quote(user) if user else '"$(id -un)"'


def squeue_command(user: str | None) -> str:
    """The user's jobs (``--me`` when ``user`` is None), one row per array task, in all
    states the controller still holds (so a job that just failed shows as FAILED for a
    while, as long as MinJobAge keeps it, instead of vanishing)."""
    who = "--me" if user is None else f"--user={shlex.quote(user)}"
    fmt = shlex.quote(squeue_format())
    return f"{env_prefix(SQUEUE_ENV)} squeue --local --noheader --array --states=all {who} --Format={fmt}"


def sinfo_command(partitions: Iterable[str] = ()) -> str:
    """One row per node and partition; all partitions when ``partitions`` is empty."""
    names = _partition_list(partitions)
    where = f" --partition={shlex.quote(names)}" if names else ""
    fmt = shlex.quote(long_format(SINFO_FIELDS))
    return f"{env_prefix(SINFO_ENV)} sinfo --local --noheader --Node{where} --Format={fmt}"


def sacct_command(user: str | None = None, *, days: int = 7, job_ids: Iterable[str] | None = None) -> str:
    """Accounting rows (jobs and their steps) of the last ``days`` days, or of ``job_ids``
    whatever their age. ``user`` None means the login user."""
    parts = [env_prefix(SACCT_ENV), "sacct", "--parsable2", "--noheader"]
    parts.append(f"--delimiter={shlex.quote(DELIMITER)}")
    parts.append(f"--format={','.join(SACCT_FIELDS)}")
    if user is not None:
        parts.append(f"--user={shlex.quote(user)}")
    if job_ids is not None:
        parts.append(f"--jobs={shlex.quote(','.join(validate_job_ids(job_ids)))}")
    else:
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise UserError(f"days must be a positive whole number, not {days!r}")
        parts.append(f"--starttime=now-{days}days")
    return " ".join(parts)


def scontrol_job_command(job_id: str) -> str:
    """Everything the controller knows about one job (``-d``: per-node CPU and GRES lines)."""
    job = shlex.quote(validate_job_id(job_id, single=True))
    return f"{env_prefix()} scontrol --details show job {job}"


def batch_script_command(job_id: str) -> str:
    """The script a job was submitted with, on stdout (works for ``--wrap`` jobs too)."""
    job = shlex.quote(validate_job_id(job_id, single=True))
    return f"{env_prefix()} scontrol write batch_script {job} -"


def poll_command(user: str | None, partitions: Iterable[str] = (), with_nodes: bool = True) -> str:
    """squeue and, when ``with_nodes``, sinfo in ONE shell command (one SSH round trip).

    Each command's stdout goes straight through; its stderr is captured and printed after
    its exit status, so ``split_poll`` gets, per command::

        \\x1eout NAME\\n<stdout>\\x1eerr NAME STATUS\\n<stderr>\\n

    The script runs under ``sh -c`` so that it works whatever the login shell is.
    """
    steps = [("squeue", squeue_command(user))]
    if with_nodes:
        steps.append(("sinfo", sinfo_command(partitions)))
    return sections_command(steps)


def sections_command(steps: list[tuple[str, str]], setup: str = "") -> str:
    """Several commands in one SSH round trip, each output a section for ``split_poll``
    (see ``poll_command``); ``setup`` runs first (shell variables the steps use)."""
    script = ["exec 3>&1", *([setup] if setup else [])]
    for name, command in steps:
        script.append(
            f"printf '\\036out {name}\\n'; e=$({command} 2>&1 >&3 3>&-); r=$?; "
            f'printf \'\\036err {name} %d\\n%s\\n\' "$r" "$e"'
        )
    return "sh -c " + shlex.quote("; ".join(script))


# ---- actions -------------------------------------------------------------------------------

SCANCEL_ENV = (
    "SCANCEL_ACCOUNT",
    "SCANCEL_BATCH",
    "SCANCEL_CTLD",
    "SCANCEL_FULL",
    "SCANCEL_HURRY",
    "SCANCEL_INTERACTIVE",
    "SCANCEL_NAME",
    "SCANCEL_PARTITION",
    "SCANCEL_QOS",
    "SCANCEL_STATE",
    "SCANCEL_USER",
    "SCANCEL_VERBOSE",
    "SCANCEL_WCKEY",
)  # fmt: skip  (they would filter which jobs get cancelled, or make scancel ask y/n)
_OPTION = re.compile(r"[a-z][a-z0-9-]*")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def cancel_command(ids: Iterable[str]) -> str:
    """``scancel`` of the given jobs, array tasks or array ranges.

    ``--verbose``: without it scancel says nothing (and exits 0) for a job that already ended.
    """
    jobs = " ".join(shlex.quote(i) for i in validate_job_ids(ids))
    return f"{env_prefix(SCANCEL_ENV)} scancel --verbose {jobs}"


def _scontrol_jobs(verb: str, ids: Iterable[str]) -> str:
    jobs = shlex.quote(",".join(validate_job_ids(ids)))
    return f"{env_prefix()} scontrol {verb} {jobs}"


def requeue_command(ids: Iterable[str]) -> str:
    """Back to pending (Slurm then holds it for about 120 s: Reason=BeginTime)."""
    return _scontrol_jobs("requeue", ids)


def hold_command(ids: Iterable[str]) -> str:
    return _scontrol_jobs("hold", ids)


def release_command(ids: Iterable[str]) -> str:
    return _scontrol_jobs("release", ids)


def _sbatch_option(name: str, value: str | int | bool | None) -> str | None:
    if not _OPTION.fullmatch(name):
        raise UserError(f"not an sbatch option name: {name!r}")
    if value is None or value is False:
        return None
    if value is True:
        return f"--{name}"
    return shlex.quote(f"--{name}={value}")


def sbatch_command(
    script_path: str,
    *,
    workdir: str | None = None,
    export: dict[str, str] | None = None,
    export_spec: str | None = None,
    options: dict[str, str | int | bool | None] | None = None,
    args: Iterable[str] = (),
    parsable: bool = True,
) -> str:
    """Submit ``script_path`` (relative to ``workdir`` when that is given) with ``args``.

    ``export`` variables are set in sbatch's environment (no comma-splitting problems with
    values) and passed with ``--export=ALL``, or, when ``export_spec`` is given, with
    ``--export=SPEC``: ``NONE`` or variable names whose values sbatch takes from its
    environment (the job then gets only those, as with the original ``--export=NAMES``);
    an empty spec passes no ``--export``. ``options`` become ``--name=value``; True gives a
    bare ``--name``; None or False leaves the option out. The user's SBATCH_* variables
    (a default account, say) are deliberately kept.
    """
    if not script_path:
        raise UserError("no script to submit")
    parts = []
    if workdir:
        parts.append(f"cd {shlex.quote(workdir)} &&")
    parts += ["env", "-u", "SLURM_CLUSTERS"]
    for name, value in (export or {}).items():
        if not _ENV_NAME.fullmatch(name):
            raise UserError(f"not an environment variable name: {name!r}")
        parts.append(shlex.quote(f"{name}={value}"))
    parts.append("sbatch")
    if parsable:
        parts.append("--parsable")
    if export_spec is None and export:
        parts.append("--export=ALL")
    elif export_spec:
        parts.append(_export_option(export_spec))
    parts += [opt for name, value in (options or {}).items() if (opt := _sbatch_option(name, value))]
    parts.append(shlex.quote(f"./{script_path}" if script_path.startswith("-") else script_path))
    parts += [shlex.quote(arg) for arg in args]
    return " ".join(parts)


def _export_option(spec: str) -> str:
    names = spec.split(",")
    if spec != "NONE" and not all(_ENV_NAME.fullmatch(name) for name in names):
        raise UserError(f"not an --export list of variable names: {spec!r}")
    return f"--export={spec}"


def batch_script_to_file_command(job_id: str, path: str) -> str:
    """Write the script Slurm kept for a job to ``path`` on the cluster, byte for byte
    (creating its directory): nothing passes through hpctui, so no byte is re-encoded."""
    job = shlex.quote(validate_job_id(job_id, single=True))
    target = shlex.quote(path)
    return f"mkdir -p -- {shlex.quote(posixpath.dirname(path))} && {env_prefix()} scontrol write batch_script {job} {target}"
