"""Parsers of Slurm command output: strings in, models out.

Malformed input raises ``SlurmParseError`` (the row parsers can instead skip a bad row and
describe it in a ``warnings`` list); Slurm error lines raise ``SlurmError``; nothing else
escapes (the unit tests fuzz every parser to hold to that).
"""

from hpctui.slurm.parse.fields import parse_duration, parse_size
from hpctui.slurm.parse.gres import parse_gres, request_gpus, tres_gpus
from hpctui.slurm.parse.misc import parse_sbatch, parse_scontrol_job, split_poll
from hpctui.slurm.parse.sacct import parse_sacct
from hpctui.slurm.parse.sinfo import parse_sinfo, state_group, summarise_partitions
from hpctui.slurm.parse.squeue import SqueueParser, parse_squeue
from hpctui.slurm.parse.values import (
    parse_job_id,
    parse_job_state,
    parse_node_state,
    parse_req_mem,
    parse_tres,
    reason_kind,
)

__all__ = [
    "SqueueParser",
    "parse_duration",
    "parse_gres",
    "parse_job_id",
    "parse_job_state",
    "parse_node_state",
    "parse_req_mem",
    "parse_sacct",
    "parse_sbatch",
    "parse_scontrol_job",
    "parse_sinfo",
    "parse_size",
    "parse_squeue",
    "parse_tres",
    "reason_kind",
    "request_gpus",
    "split_poll",
    "state_group",
    "summarise_partitions",
    "tres_gpus",
]
