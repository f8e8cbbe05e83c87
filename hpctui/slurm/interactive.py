"""Builders and readers for getting inside a job: a shell in it, a new interactive allocation,
and the address of the node a tunnel goes to. Pure: strings in, strings out.

The shells run ``$SHELL`` as the login shell sets it, expanded by ``sh`` on the login node
(``${SHELL:-/bin/sh}``), inside the job with ``srun --pty``. ``salloc`` is always given that
``srun`` as its command: with ``LaunchParameters=use_interactive_step`` a bare ``salloc``
would start the same step, without it (Slurm's default, and the lab's) a bare ``salloc``
runs the shell on the login node; an explicit command lands on the compute node either way.
The user's own environment is kept on purpose (these are the commands they would type).
"""

from __future__ import annotations

import re
import shlex

from hpctui.errors import UserError
from hpctui.slurm.commands import PARTITION_NAME, env_prefix, validate_job_id
from hpctui.slurm.errors import SlurmParseError
from hpctui.slurm.hostlist import first_host
from hpctui.slurm.parse.fields import parse_duration

_SHELL = '"${SHELL:-/bin/sh}"'
_NODE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
MAX_GPUS = 64


def job_shell_command(job_id: str) -> str:
    """An interactive shell in a running job, next to its steps (``--overlap``: it takes none
    of their CPUs or GPUs away and does not wait for them)."""
    job = shlex.quote(validate_job_id(job_id, single=True))
    return f"srun --jobid={job} --overlap --pty {_SHELL}"


def salloc_command(partition: str, time: str, gpus: int = 0) -> str:
    """A new allocation with a shell on its first node; the allocation ends with the shell."""
    if not PARTITION_NAME.fullmatch(partition):
        raise UserError(f"not a partition name: {partition!r}")
    if not _is_time_limit(time):
        raise UserError(f"not a Slurm time limit: {time!r} (minutes, HH:MM:SS or D-HH:MM)")
    if isinstance(gpus, bool) or not isinstance(gpus, int) or not 0 <= gpus <= MAX_GPUS:
        raise UserError(f"GPUs must be a whole number from 0 to {MAX_GPUS}, not {gpus!r}")
    parts = ["salloc", shlex.quote(f"--partition={partition}"), shlex.quote(f"--time={time}")]
    if gpus:
        parts.append(f"--gres=gpu:{gpus}")
    return " ".join([*parts, "srun", "--overlap", "--pty", _SHELL])


def _is_time_limit(text: str) -> bool:
    """One of Slurm's time formats (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS)."""
    try:
        return parse_duration(text) is not None  # None: UNLIMITED and the like
    except SlurmParseError:
        return False


def node_command(node: str) -> str:
    """One node as the controller knows it, on one line (1 RPC)."""
    if not _NODE_NAME.fullmatch(node):
        raise UserError(f"not a node name: {node!r}")
    return f"{env_prefix()} scontrol --oneliner show node {shlex.quote(node)}"


def node_field(text: str, key: str, node: str) -> str:
    """A field of ``scontrol --oneliner show node`` output, or the node's own name when the
    controller gives none: ``NodeAddr`` (where a tunnel connects; the name resolves on a
    real login node) or ``NodeHostName`` (what %N names in a log file's name)."""
    found = re.search(rf"(?:^| ){re.escape(key)}=(\S+)", text)
    return found.group(1) if found else node


def job_node(fields: dict[str, str]) -> str:
    """The node of a job's first task (``BatchHost``, else the first of ``NodeList``), "" when
    it has none (pending)."""
    batch = fields.get("BatchHost", "")
    if batch and batch != "(null)":
        return batch
    return first_host(fields.get("NodeList", ""))
