"""squeue rows (the ``SQUEUE_FIELDS`` format) to ``Job`` models."""

from __future__ import annotations

from hpctui.slurm.formats import SQUEUE_FIELDS
from hpctui.slurm.models import Job
from hpctui.slurm.parse.fields import NULLS, optional, parse_duration, parse_int, rows
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
        "x": name, "u": user, "N": first_node, "n": "0", "t": "0", "s": "batch", "%": "%",
    }  # fmt: skip
    out, index, end = [], 0, len(pattern)
    while index < end:
        char = pattern[index]
        if char != "%" or index + 1 == end:
            out.append(char)
            index += 1
            continue
        width_end = index + 1
        while width_end < end and pattern[width_end].isdigit():
            width_end += 1
        code = pattern[width_end] if width_end < end else ""
        if code not in values:
            out.append(pattern[index:width_end])
            index = width_end
            continue
        width = int(pattern[index + 1 : width_end] or 0)
        value = values[code]
        out.append(value.zfill(min(width, 10)) if value.isdigit() else value)
        index = width_end + 1
    return "".join(out)


def _first_node(nodelist: str) -> str:
    """The first host of a node list when it is a plain name, else "" (no hostlist expansion)."""
    first = nodelist.partition(",")[0]
    return "" if "[" in first else first


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
    tasks = int(tasks_text) if tasks_text.isdigit() and len(tasks_text) < 10 else None  # not NO_VAL
    nodelist = "" if nodelist == "(null)" else nodelist
    first_node = _first_node(nodelist)
    stdout, stderr = (
        None if path in NULLS else expand_filename(path, unique_id, array_job_id, task_id, name, user, first_node)
        for path in (stdout_pattern, stderr_pattern)
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
        time_used_s=parse_duration(used),
        time_limit_s=parse_duration(limit),
        num_nodes=nodes,
        nodelist=nodelist,
        gpus=job_gpus(tres, per_job, per_node, per_task, nodes, tasks),
        tres=tres,
        submit_time=optional(submit),
        start_time=optional(start),
        stdout=stdout,
        stderr=stderr,
        work_dir=optional(work_dir),
        cluster=cluster,
        unique_id=unique_id,
        num_tasks=tasks,
    )


def parse_squeue(text: str, cluster: str = "") -> list[Job]:
    """Jobs of ``squeue --Format`` output built by ``squeue_command`` (no header)."""
    return [_job(fields, cluster) for fields in rows(text, len(SQUEUE_FIELDS), trailing=True)]
