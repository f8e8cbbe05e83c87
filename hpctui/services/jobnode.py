"""Where a running job is: what a tunnel connects to, what a shell in the job needs, and the
host name its log files are named after (%N)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from hpctui.errors import UserError
from hpctui.slurm.commands import scontrol_job_command, validate_job_id
from hpctui.slurm.errors import SlurmProblem, check_errors
from hpctui.slurm.filenames import pattern_codes
from hpctui.slurm.interactive import job_node, node_command, node_field
from hpctui.slurm.parse import parse_scontrol_job
from hpctui.ssh.types import LinkError

if TYPE_CHECKING:
    from hpctui.services.actions import Runner
    from hpctui.ssh.link import ClusterLink


async def running_node(link: ClusterLink, job_id: str) -> str:
    """The first node of a running job (1 RPC); UserError naming its state when it is not running."""
    job_id = validate_job_id(job_id, single=True)
    result = await link.run(scontrol_job_command(job_id))
    check_errors(result.stderr)
    fields = parse_scontrol_job(result.stdout)
    state = fields.get("JobState", "?")
    node = job_node(fields)
    if state != "RUNNING" or not node:
        raise UserError(f"{link.name}: job {job_id} is {state}, not running")
    return node


async def node_addr(link: ClusterLink, node: str) -> str:
    """The address the login node reaches ``node`` at: its NodeAddr (1 RPC)."""
    return await _node_field(link, node, "NodeAddr")


async def host_for(link: Runner, node: str, patterns: Iterable[str | None]) -> str:
    """What %N stands for in ``patterns`` for a batch step on ``node``: the node's short host
    name (what slurmstepd writes, which need not be its Slurm name; 1 RPC), asked only when a
    pattern uses %N. The node's Slurm name otherwise, or when the controller cannot say (the
    link down, the node gone from its config): on most sites the two are the same."""
    if not node or not any("N" in pattern_codes(pattern) for pattern in patterns if pattern):
        return node
    try:
        return await _node_field(link, node, "NodeHostName")
    except (LinkError, SlurmProblem, UserError):
        return node


async def _node_field(link: Runner, node: str, key: str) -> str:
    answer = await link.run(node_command(node))
    check_errors(answer.stderr)
    return node_field(answer.stdout, key, node)
