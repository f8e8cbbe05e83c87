"""sacct rows (the ``SACCT_FIELDS`` format, ``--parsable2``) to ``AccountingRecord``s,
each job with its steps (``123.batch``, ``123.extern``, ``123.0``) folded under it."""

from __future__ import annotations

from dataclasses import replace

from hpctui.slurm.errors import SlurmParseError
from hpctui.slurm.formats import SACCT_FIELDS
from hpctui.slurm.models import AccountingRecord, AccountingStep
from hpctui.slurm.parse.fields import (
    is_number,
    optional,
    parse_cpu_time,
    parse_duration,
    parse_int,
    parse_size,
    reject,
    rows,
)

_CORE = 12  # the fields before the efficiency ones (AllocCPUS onwards)


def _optional_int(value: str, what: str) -> int | None:
    return None if value == "" else parse_int(value, what)


def _step(fields: list[str]) -> AccountingStep:
    step_id, name, _partition, elapsed, _limit, rss, vmsize, state, exit_code, *_ = fields
    return AccountingStep(
        step_id=step_id,
        name=name,
        elapsed_s=parse_duration(elapsed),
        max_rss_bytes=parse_size(rss),
        max_vmsize_bytes=parse_size(vmsize),
        state=state.partition(" ")[0],
        exit_code=exit_code,
        tres_usage_in_ave=fields[-1],
    )


def _record(fields: list[str], cluster: str) -> AccountingRecord:
    job_id, name, partition, elapsed, limit, _rss, _vm, state, exit_code, start, end, work_dir = fields[:_CORE]
    cpus, total_cpu, req_mem, nnodes, alloc_tres, _usage_ave = fields[_CORE:]
    if not is_number(job_id[:1]):
        raise SlurmParseError(f"not a job id in sacct output: {job_id!r}")
    return AccountingRecord(
        job_id=job_id,
        name=name,
        partition=partition,
        elapsed_s=parse_duration(elapsed),
        time_limit_s=parse_duration(limit),
        state=state.partition(" ")[0],  # "CANCELLED by 1000" -> "CANCELLED"
        state_detail=state,
        exit_code=exit_code,
        start=optional(start),
        end=optional(end),
        work_dir=optional(work_dir),
        cluster=cluster,
        alloc_cpus=_optional_int(cpus, "AllocCPUS"),
        total_cpu_s=parse_cpu_time(total_cpu),
        req_mem=req_mem,
        nnodes=_optional_int(nnodes, "NNodes"),
        alloc_tres=alloc_tres,
        partition_limit=limit.upper() == "PARTITION_LIMIT",
    )


def parse_sacct(text: str, cluster: str = "", warnings: list[str] | None = None) -> list[AccountingRecord]:
    """Jobs of ``sacct_command`` output, in sacct's order, steps under their job.

    A row that cannot be read is skipped and described in ``warnings`` (see parse_squeue).
    """
    records: dict[str, AccountingRecord] = {}
    steps: dict[str, list[AccountingStep]] = {}
    for fields in rows(text, len(SACCT_FIELDS), trailing=False, warnings=warnings):
        job_id, dot, _step_name = fields[0].partition(".")
        try:
            if not dot:
                records[job_id] = _record(fields, cluster)
                steps.setdefault(job_id, [])
            elif job_id in records:
                steps[job_id].append(_step(fields))
            else:
                raise SlurmParseError(f"sacct step {fields[0]!r} comes before its job")
        except SlurmParseError as exc:
            reject(exc, warnings)
    return [replace(record, steps=tuple(steps[job_id])) for job_id, record in records.items()]
