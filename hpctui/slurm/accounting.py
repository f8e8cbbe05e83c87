"""What accounting (sacct, 22.05) keeps of one job, for a resubmission: its last state, every
request it recorded, the SubmitLine, and the stored script. Pure: commands and parsers.

sacct 22.05 has no StdOut/StdErr, no task count and no export setting for the allocation:
those come from the SubmitLine and the script, or are reported as not recovered.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from hpctui.slurm.commands import SACCT_ENV, env_prefix, validate_job_id
from hpctui.slurm.errors import SlurmParseError, check_errors
from hpctui.slurm.formats import DELIMITER
from hpctui.slurm.parse import parse_size

# SubmitLine last: it is free text and may hold the delimiter.
ACCOUNTING_FIELDS = (
    "JobName", "Partition", "Timelimit", "WorkDir", "State", "NNodes", "ReqCPUS", "ReqMem", "ReqTRES",
    "Account", "QOS", "Constraints", "Reservation", "SubmitLine",
)  # fmt: skip
# Options that decide how many CPUs a job gets; without any, accounting's count cannot be rebuilt.
_CPU_OPTIONS = frozenset({
    "ntasks", "cpus-per-task", "ntasks-per-node", "ntasks-per-socket", "ntasks-per-core", "ntasks-per-gpu",
    "mincpus", "cpus-per-gpu", "exclusive", "extra-node-info", "sockets-per-node", "cores-per-socket",
    "threads-per-core",
})  # fmt: skip


def allocation_rows_command(fields: Sequence[str], job_id: str) -> str:
    """sacct's rows of ``fields`` for one job's allocations (no steps), the last field free text."""
    job = shlex.quote(validate_job_id(job_id, single=True))
    return (
        f"{env_prefix(SACCT_ENV)} sacct --allocations --noheader --parsable2 "
        f"--delimiter={shlex.quote(DELIMITER)} --format={','.join(fields)} --jobs={job}"
    )


def last_row(text: str, fields: Sequence[str]) -> list[str] | None:
    """The last row of ``allocation_rows_command`` output (a requeued job has several), split
    into ``fields`` (the last may hold the delimiter); None when there is none. SlurmError when
    sacct said it failed."""
    check_errors(text)
    width = len(fields)
    rows = [line.split(DELIMITER, width - 1) for line in text.split("\n") if DELIMITER in line]
    rows = [row for row in rows if len(row) == width]
    return rows[-1] if rows else None


def accounting_job_command(job_id: str) -> str:
    """What accounting keeps of a job, the controller's memory aside."""
    return allocation_rows_command(ACCOUNTING_FIELDS, job_id)


def parse_accounting_job(text: str) -> dict[str, str]:
    """The job's last record (a requeued job has several) by field name; {} when there is none.
    ``State`` is cut to its first word ("CANCELLED by 1000" -> "CANCELLED")."""
    row = last_row(text, ACCOUNTING_FIELDS)
    if row is None:
        return {}
    record = dict(zip(ACCOUNTING_FIELDS, row, strict=True))
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


def fields_from_accounting(job_id: str, record: dict[str, str]) -> dict[str, str]:
    """``scontrol show job``-style fields rebuilt from accounting, for a job the controller
    forgot: every request sacct records. Memory and GPUs are recorded for the whole job and
    are spread over its nodes here (``--mem`` and ``--gres`` are per node)."""
    nodes = record.get("NNodes", "")
    tres = _tres(record.get("ReqTRES", ""))
    return {
        "JobId": job_id,
        "JobName": record.get("JobName", ""),
        "Partition": record.get("Partition", ""),
        "TimeLimit": record.get("Timelimit", ""),
        "NumNodes": nodes,
        "WorkDir": record.get("WorkDir", ""),
        "Account": record.get("Account", ""),
        "QOS": record.get("QOS", ""),
        "Features": record.get("Constraints", ""),
        "Reservation": record.get("Reservation", ""),
        "MinMemoryNode": _per_node_memory(tres.get("mem", "") or record.get("ReqMem", ""), nodes),
        "TresPerNode": _per_node_gpus(tres.get("gres/gpu", ""), nodes),
    }


def _tres(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split(",") if "=" in part)


def _per_node_memory(total: str, nodes: str) -> str:
    try:
        size = parse_size(total)
    except SlurmParseError:
        return ""
    if not size or not nodes.isdigit() or int(nodes) == 0:
        return ""
    return f"{size // int(nodes) >> 20}M"


def _per_node_gpus(total: str, nodes: str) -> str:
    if not total.isdigit() or not nodes.isdigit() or int(nodes) == 0 or int(total) % int(nodes):
        return ""
    return f"gres:gpu:{int(total) // int(nodes)}"


def unrecovered_cpus(record: dict[str, str], given: set[str]) -> str | None:
    """A plain-words note when the job had more CPUs than one per node and neither its
    command line nor its script said how (``given``: the option names they set)."""
    cpus, nodes = record.get("ReqCPUS", ""), record.get("NNodes", "")
    if not cpus.isdigit() or not nodes.isdigit() or int(cpus) <= int(nodes) or given & _CPU_OPTIONS:
        return None
    return (
        f"CPUs: the job had {cpus} CPUs on {nodes} node(s), set neither on its command line nor in its "
        "script (SBATCH_* variables?); accounting does not say how they were split into tasks"
    )
