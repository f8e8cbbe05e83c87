"""squeue rows (the ``SQUEUE_FIELDS`` format) to ``Job`` models."""

from __future__ import annotations

from functools import lru_cache

from hpctui.slurm.formats import SQUEUE_FIELDS
from hpctui.slurm.models import Job
from hpctui.slurm.parse.fields import NULLS, is_number, parse_duration, parse_int, rows
from hpctui.slurm.parse.gres import job_gpus

_NO_TASK = "4294967294"  # what Slurm writes for %a outside an array (NO_VAL)


def expand_filename(pattern: str, job_id: str, array_job_id: str | None, task_id: str | None,
                    name: str, user: str, first_node: str) -> str:  # fmt: skip
    """Expand Slurm's file name patterns as slurmstepd does for the batch step.

    squeue 22.05 prints StdOut/StdErr unexpanded (``logs/%x_%A_%a.out``). A pattern that
    contains a backslash is not expanded (backslashes are dropped), as in Slurm.
    """
    if "\\" in pattern:
        return pattern.replace("\\", "")
    if "%" not in pattern:
        return pattern
    values = {
        "j": job_id, "J": job_id, "A": array_job_id or job_id, "a": task_id or _NO_TASK,
        "x": name, "u": user, "N": first_node, "n": "0", "t": "0", "s": "batch",
    }  # fmt: skip
    pieces = pattern.split("%")
    out = [pieces[0]]
    escaped = False  # the previous piece was the empty one between "%%"
    for piece in pieces[1:]:
        if escaped or not piece:
            out.append(piece if escaped else "%")
            escaped = not escaped and not piece
            continue
        code = piece[0]
        if code in values:
            out.append(values[code] + piece[1:])
            continue
        digits = len(piece) - len(piece.lstrip("0123456789"))
        code = piece[digits : digits + 1]
        if digits and code in values:
            value = values[code]
            width = min(int(piece[:digits]), 10)
            out.append((value.zfill(width) if is_number(value) else value) + piece[digits + 1 :])
        else:
            out.append("%" + piece)
    return "".join(out)


def _first_node(nodelist: str) -> str:
    """The first host of a node list when it is a plain name, else "" (no hostlist expansion)."""
    first = nodelist.partition(",")[0]
    return "" if "[" in first else first


def _files(stdout: str, stderr: str, *pattern_values: str | None) -> tuple[str | None, str | None]:
    """Expanded stdout and stderr paths (usually one file: expanded once)."""
    out = None if stdout in NULLS else expand_filename(stdout, *pattern_values)  # type: ignore[arg-type]
    if stderr == stdout:
        return out, out
    return out, None if stderr in NULLS else expand_filename(stderr, *pattern_values)  # type: ignore[arg-type]


# Limits, pending times and GPU requests repeat across a user's jobs: cache what they parse to.
_duration = lru_cache(maxsize=4096)(parse_duration)
_gpus = lru_cache(maxsize=4096)(job_gpus)


def _job(fields: list[str], cluster: str) -> Job:
    # Same order as SQUEUE_FIELDS; the last element is the empty text after the final delimiter.
    (job_id, unique_id, array_job, task, name, user, partition, state, reason, nodelist, used,
     limit, nodes_text, tasks_text, per_job, per_node, per_task, tres, submit, start, stdout_pattern,
     stderr_pattern, work_dir, _) = fields  # fmt: skip
    parse_int(unique_id, "JobID")
    in_array = task != "N/A"
    task_id = task if in_array else None
    array_job_id = array_job if in_array else None
    nodes = parse_int(nodes_text, "NumNodes")
    tasks = int(tasks_text) if is_number(tasks_text) and len(tasks_text) < 10 else None  # not NO_VAL
    nodelist = "" if nodelist == "(null)" else nodelist
    stdout, stderr = _files(
        stdout_pattern, stderr_pattern, unique_id, array_job_id, task_id, name, user, _first_node(nodelist)
    )
    return Job(
        job_id=job_id,
        array_job_id=array_job_id,
        array_task_id=task_id,
        name=name,
        user=user,
        partition=partition,
        state=state,
        reason=reason,
        time_used_s=_duration(used),
        time_limit_s=_duration(limit),
        num_nodes=nodes,
        nodelist=nodelist,
        gpus=_gpus(tres, per_job, per_node, per_task, nodes, tasks),
        tres=tres,
        submit_time=None if submit in NULLS else submit,
        start_time=None if start in NULLS else start,
        stdout=stdout,
        stderr=stderr,
        work_dir=None if work_dir in NULLS else work_dir,
        cluster=cluster,
        unique_id=unique_id,
        num_tasks=tasks,
    )


def parse_squeue(text: str, cluster: str = "") -> list[Job]:
    """Jobs of ``squeue --Format`` output built by ``squeue_command`` (no header)."""
    return [_job(fields, cluster) for fields in rows(text, len(SQUEUE_FIELDS), trailing=True)]
