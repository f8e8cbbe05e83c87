"""`hpctui efficiency [CLUSTER] [JOBID...] [--days N] [--json]`: how well ended jobs used what
they asked for (CPU, memory, time, GPU hours), one line per job or array, with advice in numbers."""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING

from hpctui.cmd.common import add_config_option, ask_each, pick_clusters
from hpctui.config.load import load_config
from hpctui.errors import UserError
from hpctui.format import plural
from hpctui.visible import visible

if TYPE_CHECKING:
    from hpctui.config.model import Config
    from hpctui.services.cluster import ClusterSession
    from hpctui.slurm.efficiency import ArraySummary, Efficiency

    Entry = Efficiency | ArraySummary


@dataclass(frozen=True)
class Answer:
    """One cluster's jobs and arrays, and the job ids named that accounting does not know."""

    entries: list[Entry]
    unknown: list[str]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("efficiency", help="CPU, memory, time and GPU use of your ended jobs, with advice")
    add_config_option(parser)
    parser.add_argument("targets", nargs="*", metavar="CLUSTER|JOBID", help="one cluster (default: all), job ids")
    parser.add_argument("--days", type=int, default=7, metavar="N", help="how far back without job ids (default 7)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def split_targets(config: Config, targets: list[str]) -> tuple[list[str] | None, list[str] | None]:
    """(cluster names or None for all, job ids or None for the last days). The first target may
    be a cluster: when it is neither that nor a job id attempt (it starts with no digit), both are
    named in the error, as the user may have meant either."""
    from hpctui.slurm.commands import validate_job_ids

    names = [c.name for c in config.clusters]
    first = targets[0] if targets else ""
    if first and first not in names and not first[0].isdigit():
        raise UserError(f"{first!r} is neither a cluster ({', '.join(names)}) nor a job id")
    clusters = [first] if first in names else None
    ids = targets[1:] if clusters else targets
    return clusters, validate_job_ids(ids) if ids else None


def run(args: argparse.Namespace) -> int:
    if args.days < 1:
        raise UserError(f"--days must be at least 1, not {args.days}")
    config = load_config(args.config)
    names, job_ids = split_targets(config, args.targets)
    clusters = pick_clusters(config, names)
    results = asyncio.run(ask_each(clusters, lambda session: _one(session, args.days, job_ids)))
    if job_ids and names is None:
        results, all_found = found_anywhere(results, job_ids)
    else:
        all_found = all(isinstance(answer, Answer) and not answer.unknown for answer in results.values())
    if args.json:
        print(json.dumps({name: _as_json(entries) for name, entries in results.items()}, indent=2))
    else:
        text = "\n\n".join(_as_text(name, entries, named=bool(job_ids)) for name, entries in results.items())
        print(visible(text, newlines=True))
    return 0 if all_found else 1


def found_anywhere(results: dict[str, Answer | str], job_ids: list[str]) -> tuple[dict[str, Answer | str], bool]:
    """With no cluster named, a job id is unknown only when no cluster's accounting knows it (one
    that could not answer knows none): each answer keeps only those as unknown, so a cluster that
    does not know a job another one ran says nothing of it. True when every id was found."""
    known_by_none = [
        job_id
        for job_id in job_ids
        if all(not isinstance(answer, Answer) or job_id in answer.unknown for answer in results.values())
    ]
    kept = {
        name: replace(answer, unknown=[i for i in answer.unknown if i in known_by_none])
        if isinstance(answer, Answer)
        else answer
        for name, answer in results.items()
    }
    return kept, not known_by_none


async def _one(session: ClusterSession, days: int, job_ids: list[str] | None) -> Answer:
    """The cluster's jobs (only the ended ones unless named)."""
    from hpctui.services.postmortem import PostMortem
    from hpctui.slurm.efficiency import summarise, unknown_job_ids
    from hpctui.slurm.models import ENDED_STATES

    postmortem = PostMortem(session.link, session.name, session.cluster.queue_user)
    rows = await postmortem.fetch(days, job_ids=job_ids)
    records = [r.record for r in rows if job_ids or r.record.state in ENDED_STATES]
    return Answer(summarise(records), unknown_job_ids(job_ids or [], records))


def _as_json(answer: Answer | str) -> dict[str, object]:
    from hpctui.slurm.efficiency import Efficiency

    if isinstance(answer, str):
        return {"ok": False, "error": answer, "jobs": [], "unknown": []}
    return {
        "ok": not answer.unknown,
        "error": "; ".join(_unknown_lines(answer)) or None,
        "jobs": [_job_json(e) if isinstance(e, Efficiency) else _array_json(e) for e in answer.entries],
        "unknown": answer.unknown,
    }


def _unknown_lines(answer: Answer) -> list[str]:
    return [f"job {job_id} is not in accounting" for job_id in answer.unknown]


def _job_json(job: Efficiency) -> dict[str, object]:
    figures = {"cpu_eff": job.cpu_eff, "mem_eff": job.mem_eff, "time_eff": job.time_eff, "gpu_hours": job.gpu_hours}
    return {"kind": "job", **asdict(job), "advice": list(job.advice), **figures}


def _array_json(array: ArraySummary) -> dict[str, object]:
    return {
        "kind": "array",
        "array_id": array.array_id,
        "name": array.name,
        "states": array.states,
        "gpu_hours": array.gpu_hours,
        "suggested": array.suggested,
        "advice": list(array.advice),
        "worst": [task.job_id for task in array.worst()],
        "tasks": [_job_json(task) for task in array.tasks],
    }


def _as_text(cluster: str, answer: Answer | str, *, named: bool) -> str:
    """``named``: job ids were asked for, so no entries means none of those, not no ended jobs."""
    from hpctui.slurm.efficiency import Efficiency

    if isinstance(answer, str):
        return f"{cluster}: FAILED: {answer}"
    entries = answer.entries
    lines = [f"{cluster}: {line}" for line in _unknown_lines(answer)]
    if entries or not lines:
        nothing = "none of these jobs" if named else "no ended jobs"
        lines.append(f"{cluster}: {_count(entries)}" if entries else f"{cluster}: {nothing}")
    for entry in entries:
        if isinstance(entry, Efficiency):
            lines.append(f"  {entry.job_id}  {visible(entry.name)}  {entry.state}  {entry.figures()}")
        else:
            lines.append(f"  array {entry.array_id}  {visible(entry.name)}  {entry.figures()}")
            lines += [f"      {t.job_id}  {t.state}  {t.figures()}" for t in entry.worst()]
        lines += [f"      -> {words}" for words in entry.advice]
    return "\n".join(lines)


def _count(entries: list[Entry]) -> str:
    """``4 jobs and 1 array``, ``1 job``: each kind counted, a kind not there left out."""
    from hpctui.slurm.efficiency import Efficiency

    jobs = sum(isinstance(entry, Efficiency) for entry in entries)
    counts = [plural(n, word) for n, word in ((jobs, "job"), (len(entries) - jobs, "array")) if n]
    return " and ".join(counts)
