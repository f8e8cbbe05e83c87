"""`hpctui status`: each cluster's jobs and GPUs, headless. Exit 0 when every cluster answered."""

from __future__ import annotations

import argparse
import asyncio
import json

from hpctui.cmd.common import add_config_option, connected, pick_clusters, unreachable
from hpctui.config.load import load_config
from hpctui.format import plural
from hpctui.slurm.models import Snapshot
from hpctui.visible import visible


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("status", help="print each cluster's jobs and free GPUs, then exit")
    add_config_option(parser)
    parser.add_argument("--cluster", action="append", metavar="NAME", help="only this cluster (repeatable)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    clusters = pick_clusters(config, args.cluster)
    snapshots = asyncio.run(_collect(clusters))
    print(_as_json(snapshots) if args.json else _as_text(snapshots))
    return 0 if all(s.error is None for s in snapshots) else 1


async def _collect(clusters) -> list[Snapshot]:
    async with connected(clusters) as sessions:
        return list(await asyncio.gather(*(_poll(s) for s in sessions.values())))


async def _poll(session) -> Snapshot:
    if (down := unreachable(session.link)) is not None:
        return Snapshot(cluster=session.name, error=f"{session.link.status.state.value}: {down}")
    return await session.poller.poll_once()


def _as_json(snapshots: list[Snapshot]) -> str:
    return json.dumps({"clusters": [_snapshot_dict(s) for s in snapshots]}, indent=2)


def _snapshot_dict(snapshot: Snapshot) -> dict:
    return {
        "name": snapshot.cluster,
        "ok": snapshot.error is None,
        "error": snapshot.error,
        "warnings": list(snapshot.warnings),
        "jobs": [{**job._asdict(), "stdout": job.stdout, "stderr": job.stderr} for job in snapshot.jobs],
        "partitions": [
            {
                "name": p.name,
                "gpus_total": p.total,
                "gpus_alloc": p.alloc,
                "gpus_free": p.free,
                "gpus_by_type": p.gpus_total,
                "nodes_by_state": p.nodes_by_state,
            }
            for p in snapshot.partitions
        ],
    }


def _as_text(snapshots: list[Snapshot]) -> str:
    return "\n\n".join(_cluster_text(s) for s in snapshots)


def _cluster_text(snapshot: Snapshot) -> str:
    if snapshot.error is not None:
        return visible(f"{snapshot.cluster}: FAILED: {snapshot.error}", newlines=True)
    lines = [f"{snapshot.cluster}: {plural(len(snapshot.jobs), 'job')}"]
    lines += [f"  warning: {warning}" for warning in snapshot.warnings]
    for p in snapshot.partitions:
        types = ", ".join(f"{t or 'gpu'} {n}" for t, n in p.gpus_total.items()) or "no GPUs"
        lines.append(f"  partition {p.name}: GPUs {p.free} free / {p.total} ({types})")
    for job in snapshot.jobs:
        lines.append(
            visible(f"  {job.job_id:<14} {job.partition:<10} {job.state:<11} {job.name[:30]:<30} {job.stated_reason}")
        )
    return "\n".join(lines)
