"""Where a running job is: what a tunnel connects to and what a shell in the job needs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hpctui.errors import UserError
from hpctui.slurm.commands import scontrol_job_command, validate_job_id
from hpctui.slurm.errors import check_errors
from hpctui.slurm.interactive import job_node, node_address, node_command
from hpctui.slurm.parse import parse_scontrol_job

if TYPE_CHECKING:
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
    answer = await link.run(node_command(node))
    check_errors(answer.stderr)
    return node_address(answer.stdout, node)
