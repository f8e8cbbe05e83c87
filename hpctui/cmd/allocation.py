"""`hpctui allocation [CLUSTER] [--json]`: the project's used vs granted core and GPU hours, the
burn rate and how long the rest lasts at that rate (sreport and sacctmgr on slurmdbd)."""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from hpctui.cmd.common import add_config_option, ask_each, pick_clusters
from hpctui.config.load import load_config
from hpctui.visible import visible

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession
    from hpctui.slurm.allocation import AllocationReport


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("allocation", help="core and GPU hours used vs granted, and how long the rest lasts")
    add_config_option(parser)
    parser.add_argument("cluster", nargs="?", metavar="CLUSTER", help="one cluster (default: all)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    clusters = pick_clusters(load_config(args.config), [args.cluster] if args.cluster else None)
    results = asyncio.run(ask_each([c for c in clusters if c.allocation.enabled or args.cluster], _one))
    if args.json:
        print(json.dumps({name: _as_json(found) for name, found in results.items()}, indent=2, default=str))
    else:
        print(visible("\n".join(f"{name}: {_as_text(found)}" for name, found in results.items()), newlines=True))
    return 0 if all(not isinstance(found, str) for found in results.values()) else 1


async def _one(session: ClusterSession) -> AllocationReport:
    from hpctui.services.allocation import AllocationWatch

    return await AllocationWatch(session.link, session.cluster).get()


def _as_json(found: AllocationReport | str) -> dict[str, object]:
    if isinstance(found, str):
        return {"ok": False, "error": found}
    burn = found.burn
    extra = {
        "burn_per_day": asdict(burn),
        "lasts_days": found.lasts_days(),
        "days_left_in_period": found.days_left_in_period,
    }
    return {"ok": True, "error": None, **asdict(found), **extra}


def _as_text(found: AllocationReport | str) -> str:
    if isinstance(found, str):
        return f"FAILED: {found}"
    mine = f" (yours: {found.mine.core_hours:,.1f} core-h, {found.mine.gpu_hours:,.1f} GPU-h)"
    period = f"{found.start} to {found.end}"
    source = f", granted per {found.granted_from}" if found.granted_from else ""
    return f"{found.summary()}{mine} [{period}{source}]"
