"""`hpctui postmortem [CLUSTER] [--days N] [--json]`: how the last days' jobs ended, with advice."""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from hpctui.cmd.common import add_config_option, ask_each, pick_clusters
from hpctui.config.load import load_config
from hpctui.errors import UserError
from hpctui.format import duration, plural, time_limit
from hpctui.visible import visible

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession
    from hpctui.services.postmortem import PostMortemRow


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("postmortem", help="sacct of your jobs of the last days, failures with advice")
    add_config_option(parser)
    parser.add_argument("cluster", nargs="?", metavar="CLUSTER", help="one cluster (default: all)")
    parser.add_argument("--days", type=int, default=7, metavar="N", help="how far back (default 7)")
    parser.add_argument("--steps", action="store_true", help="show each job's steps too")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.days < 1:
        raise UserError(f"--days must be at least 1, not {args.days}")
    clusters = pick_clusters(load_config(args.config), [args.cluster] if args.cluster else None)
    results = asyncio.run(ask_each(clusters, lambda session: _one(session, args.days)))
    if args.json:
        print(json.dumps({name: _as_json(rows) for name, rows in results.items()}, indent=2))
    else:
        print(visible("\n\n".join(_as_text(name, rows, args.steps) for name, rows in results.items()), newlines=True))
    return 0 if all(not isinstance(rows, str) for rows in results.values()) else 1


async def _one(session: ClusterSession, days: int) -> list[PostMortemRow]:
    """The cluster's rows, with the jobs accounting has not caught up with from squeue."""
    from hpctui.services.postmortem import PostMortem

    snapshot = await session.poller.poll_once()
    postmortem = PostMortem(session.link, session.name, session.cluster.queue_user)
    return await postmortem.fetch(days, snapshot if snapshot.error is None else None)


def _as_json(rows: list[PostMortemRow] | str) -> dict[str, object]:
    if isinstance(rows, str):
        return {"ok": False, "error": rows, "jobs": []}
    jobs = [
        {**asdict(r.record), "source": r.source, "advice": r.advice, "max_rss_bytes": r.max_rss_bytes} for r in rows
    ]
    return {"ok": True, "error": None, "jobs": jobs}


def _as_text(cluster: str, rows: list[PostMortemRow] | str, steps: bool) -> str:
    from hpctui.slurm.units import slurm_size

    if isinstance(rows, str):
        return f"{cluster}: FAILED: {rows}"
    header = ("JobID", "JobName", "Partition", "Elapsed", "Timelimit", "MaxRSS", "MaxVMSize", "State", "ExitCode")
    table = [header]
    advice: dict[int, str] = {}
    for row in rows:
        r = row.record
        state = r.state_detail + (" (squeue)" if row.source == "squeue" else "")
        table.append((r.job_id, r.name, r.partition, _dur(r.elapsed_s), time_limit(r.time_limit_s, r.partition_limit),
                      slurm_size(row.max_rss_bytes), slurm_size(row.max_vmsize_bytes), state, r.exit_code))  # fmt: skip
        if row.advice:
            advice[len(table) - 1] = row.advice
        for s in r.steps if steps else ():
            table.append((f" {s.step_id}", s.name, "", _dur(s.elapsed_s), "", slurm_size(s.max_rss_bytes),
                          slurm_size(s.max_vmsize_bytes), s.state, s.exit_code))  # fmt: skip
    widths = [min(32, max(len(line[i]) for line in table)) for i in range(len(header))]
    lines = [f"{cluster}: {plural(len(rows), 'job')}"]
    for index, line in enumerate(table):
        lines.append("  " + "  ".join(cell[:w].ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if index in advice:
            lines.append(f"      -> {advice[index]}")
    return "\n".join(lines)


def _dur(seconds: int | None) -> str:
    return "" if seconds is None else duration(seconds)
