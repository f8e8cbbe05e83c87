"""`hpctui purge-check [CLUSTER]`: files the site's purge policy will soon delete."""

from __future__ import annotations

import argparse
import asyncio
import json

from hpctui.cmd.common import add_config_option, connected, pick_clusters, unreachable
from hpctui.config.load import load_config
from hpctui.config.model import Cluster
from hpctui.errors import UserError
from hpctui.toolkit.purge import PurgeReport
from hpctui.toolkit.transfer import iec_bytes


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "purge-check",
        help="list files a cluster's purge policy will soon delete",
        description="For each cluster with a purge policy (purge: days, dirs, margin_days), finds the "
        "files whose access AND modification times are both older than days - margin_days, and "
        "summarises them per directory (count, size, oldest). Exit status 1 when files are at "
        "risk or a cluster could not be checked.",
    )
    add_config_option(parser)
    parser.add_argument(
        "cluster", metavar="CLUSTER", nargs="?", help="only this cluster (default: all with a purge policy)"
    )
    parser.add_argument(
        "--margin-days", type=int, metavar="N", help="warn this many days ahead (default: the config's margin_days)"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.margin_days is not None and args.margin_days < 0:
        raise UserError("--margin-days must not be negative")
    config = load_config(args.config)
    clusters = [
        c for c in pick_clusters(config, [args.cluster] if args.cluster else None) if c.purge.days and c.purge.dirs
    ]
    if not clusters:
        raise UserError(f"{args.cluster or 'no cluster'}: no purge policy (purge: days and dirs) in the config")
    outcomes = asyncio.run(_check_all(clusters, args.margin_days))
    if args.json:
        print(json.dumps([o.as_dict() if isinstance(o, PurgeReport) else {"cluster": c.name, "error": o}
                          for c, o in zip(clusters, outcomes, strict=False)], indent=2))  # fmt: skip
    else:
        print("\n".join(_text(c, o) for c, o in zip(clusters, outcomes, strict=False)))
    return 0 if all(isinstance(o, PurgeReport) and not o.groups for o in outcomes) else 1


async def _check_all(clusters: list[Cluster], margin_days: int | None) -> list[PurgeReport | str]:
    async with connected(clusters) as sessions:
        return list(await asyncio.gather(*(_check(sessions[c.name].link, c, margin_days) for c in clusters)))


async def _check(link, cluster: Cluster, margin_days: int | None) -> PurgeReport | str:
    """The report, or why there is none (one line)."""
    from hpctui.services.purge_watch import check_purge

    if down := unreachable(link):
        return f"not reachable: {down}"
    return await check_purge(link, cluster, margin_days)


def _text(cluster: Cluster, outcome: PurgeReport | str) -> str:
    if isinstance(outcome, str):
        return f"{cluster.name}: FAILED: {outcome}"
    policy = f"files untouched for {outcome.days} days are deleted; warning {outcome.margin_days} days ahead"
    lines = [f"{cluster.name}: {policy}"]
    lines += [f"  missing directory: {d}" for d in outcome.missing]
    if not outcome.groups:
        lines.append(f"  nothing untouched for {outcome.threshold}+ days in {', '.join(outcome.dirs)}")
        return "\n".join(lines)
    more = " (listing capped: more files are at risk)" if outcome.truncated else ""
    lines.append(f"  {outcome.files} files, {iec_bytes(outcome.bytes)} untouched for {outcome.threshold}+ days{more}:")
    width = max(len(g.directory) for g in outcome.groups)
    for group in outcome.groups:
        left = group.purge_in_days(outcome.days)
        when = "may be deleted now" if left <= 0 else f"deleted in ~{left:.0f} days"
        lines.append(
            f"  {group.directory:<{width}}  {group.files:>6} files  {iec_bytes(group.bytes):>10}  "
            f"oldest untouched {group.oldest_age_days:.0f} days ({when})"
        )
    return "\n".join(lines)
