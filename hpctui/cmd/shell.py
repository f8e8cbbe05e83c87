"""`hpctui shell CLUSTER JOBID`: a shell inside a running job (``srun --overlap --pty``);
`hpctui shell CLUSTER -p PARTITION -t TIME [--gpus N]`: a new interactive allocation
(``salloc``). Both over the cluster's one SSH connection, in this terminal."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from hpctui.cmd.common import add_config_option
from hpctui.config.load import load_config
from hpctui.errors import UserError
from hpctui.slurm.commands import validate_job_id

if TYPE_CHECKING:
    from hpctui.config.model import Cluster
    from hpctui.services.shell import LocalTerminal
    from hpctui.ssh.link import ClusterLink


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("shell", help="a shell in a running job, or in a new allocation (salloc)")
    add_config_option(parser)
    parser.add_argument("cluster", metavar="CLUSTER")
    parser.add_argument("job_id", nargs="?", metavar="JOBID", help="a running job (else: a new allocation)")
    parser.add_argument("-p", "--partition", metavar="P", help="partition of the new allocation")
    parser.add_argument("-t", "--time", metavar="T", help="time limit of the new allocation (minutes, HH:MM:SS)")
    parser.add_argument("--gpus", type=int, default=0, metavar="N", help="GPUs of the new allocation (default 0)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hpctui.services.shell import allocation_shell, job_shell
    from hpctui.slurm.interactive import salloc_command

    cluster = load_config(args.config).cluster(args.cluster)
    if args.job_id is not None:
        if args.partition or args.time or args.gpus:
            raise UserError("give a JOBID or -p/-t/--gpus for a new allocation, not both")
        job_id = validate_job_id(args.job_id, single=True)
        need_terminal()
        return asyncio.run(_shell(cluster, lambda link, terminal: job_shell(link, job_id, terminal)))
    if not (args.partition and args.time):
        raise UserError("give a running JOBID, or -p PARTITION -t TIME for a new allocation")
    command = salloc_command(args.partition, args.time, args.gpus)
    need_terminal()
    return asyncio.run(_shell(cluster, lambda link, terminal: allocation_shell(link, command, terminal)))


def need_terminal() -> None:
    """The shell reads keys from stdin and draws on stdout in raw mode: both must be a terminal
    (else asyncio cannot watch stdin, e.g. /dev/null), checked before connecting."""
    for fd, name in ((0, "stdin"), (1, "stdout")):
        if not os.isatty(fd):
            raise UserError(f"hpctui shell needs a terminal: {name} is not a tty")


async def _shell(cluster: Cluster, start: Callable[[ClusterLink, LocalTerminal], Awaitable[int]]) -> int:
    """The remote shell's exit status."""
    from hpctui.cmd.forward import live_session
    from hpctui.services.shell import LocalTerminal

    async with live_session(cluster) as session:
        return await start(session.link, LocalTerminal())
