"""`hpctui choose`: which cluster and partition suits a job now, each rank explained."""

from __future__ import annotations

import argparse
import asyncio
import json

from hpctui.cmd.common import add_config_option, connected, unreachable
from hpctui.config.load import load_config
from hpctui.errors import UserError
from hpctui.slurm.models import Snapshot
from hpctui.toolkit.choose import Request, rank


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "choose",
        help="rank the clusters' partitions for a job, from config facts and live free GPUs",
        description="Ranks every configured partition for one job: those it fits in (VRAM per GPU, "
        "GPU count) first, then those that can start it now, then by your pending jobs there and "
        "free GPUs. A cluster that cannot be reached is ranked on its config facts, with a note. "
        "Exit status 1 when the job fits nowhere.",
    )
    add_config_option(parser)
    parser.add_argument("--vram-gb", type=float, metavar="N", help="VRAM the job needs per GPU, in GB")
    parser.add_argument("--gpus", type=int, default=1, metavar="N", help="GPUs the job needs (default 1)")
    parser.add_argument(
        "--hours", type=float, metavar="H", help="expected run time (long runs prefer clusters good for them)"
    )
    parser.add_argument("--cpu-only", action="store_true", help="a CPU job: rank the partitions without GPUs")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if (
        args.gpus < 1
        or (args.vram_gb is not None and args.vram_gb <= 0)
        or (args.hours is not None and args.hours <= 0)
    ):
        raise UserError("--gpus, --vram-gb and --hours must be positive")
    config = load_config(args.config)
    request = Request(vram_gb=args.vram_gb, gpus=args.gpus, hours=args.hours, cpu_only=args.cpu_only)
    snapshots = asyncio.run(_poll_all(config))
    choices = rank(config, snapshots, request)
    if args.json:
        print(json.dumps({"request": request.__dict__, "choices": [c.as_dict() for c in choices]}, indent=2))
    else:
        print(f"for {request.describe()}:" if choices else "no partition of that kind is configured")
        for number, choice in enumerate(choices, 1):
            print(f"{number:>2}. {choice.reason}")
    return 0 if any(c.fits for c in choices) else 1


async def _poll_all(config) -> list[Snapshot]:
    """One poll per cluster; a cluster that is down gives a Snapshot with only its error."""
    async with connected(list(config.clusters)) as sessions:
        return list(await asyncio.gather(*(_poll(s) for s in sessions.values())))


async def _poll(session) -> Snapshot:
    down = unreachable(session.link)
    return Snapshot(session.name, error=down) if down else await session.poller.poll_once()
