"""`hpctui forward CLUSTER JOBID REMOTE_PORT [--local-port N]`: a local port to a running job's
node, over the cluster's one SSH connection, until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from hpctui.cmd.common import add_config_option, connected, unreachable
from hpctui.config.load import load_config
from hpctui.errors import UserError
from hpctui.slurm.commands import validate_job_id

if TYPE_CHECKING:
    from hpctui.config.model import Cluster
    from hpctui.services.cluster import ClusterSession
    from hpctui.services.tunnels import Tunnel, TunnelManager


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "forward", help="forward a local port to a port of a running job (TensorBoard, Jupyter) until Ctrl-C"
    )
    add_config_option(parser)
    parser.add_argument("cluster", metavar="CLUSTER")
    parser.add_argument("job_id", metavar="JOBID")
    parser.add_argument("remote_port", type=int, metavar="REMOTE_PORT", help="the port the job listens on")
    parser.add_argument(
        "--local-port", type=int, metavar="N", help="port on 127.0.0.1 (default: REMOTE_PORT if free, else any)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from hpctui.services.tunnels import check_port

    cluster = load_config(args.config).cluster(args.cluster)
    job_id = validate_job_id(args.job_id, single=True)
    check_port(args.remote_port, "REMOTE_PORT")
    if args.local_port is not None:
        check_port(args.local_port, "--local-port", allow_zero=True)
    return asyncio.run(_forward(cluster, job_id, args.remote_port, args.local_port))


@asynccontextmanager
async def live_session(cluster: Cluster) -> AsyncIterator[ClusterSession]:
    """The cluster's session, connected; what the cluster or the link refuse inside the block
    becomes one line (UserError, exit 1)."""
    from hpctui.slurm.errors import SlurmProblem
    from hpctui.ssh.types import LinkError

    async with connected([cluster]) as sessions:
        session = sessions[cluster.name]
        if (down := unreachable(session.link)) is not None:
            raise UserError(f"{cluster.name}: not connected ({down})", exit_code=1)
        try:
            yield session
        except SlurmProblem as exc:
            raise UserError(f"{cluster.name}: {exc}", exit_code=1) from None
        except LinkError as exc:
            raise UserError(str(exc), exit_code=1) from None


async def _forward(cluster: Cluster, job_id: str, remote_port: int, local_port: int | None) -> int:
    async with live_session(cluster) as session:
        manager = session.tunnels
        try:
            tunnel = await manager.open(job_id, remote_port, local_port)
            print(
                f"{tunnel.url}  ->  job {job_id}, {tunnel.destination} on {cluster.name}  (Ctrl-C to stop)", flush=True
            )
            broken = await _until_stopped(manager, tunnel)
        finally:
            await manager.close_all()
    print("tunnel closed", flush=True)
    return 1 if broken else 0


async def _until_stopped(manager: TunnelManager, tunnel: Tunnel) -> bool:
    """Wait for Ctrl-C (or SIGTERM), a broken tunnel or the job's end, saying when the tunnel
    waits for the connection; True when it broke or its job ended."""
    from hpctui.services.tunnels import TunnelState

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    last = [tunnel.state]
    ends = (TunnelState.BROKEN, TunnelState.CLOSED)

    def changed(_manager: TunnelManager) -> None:
        if tunnel.state is not last[0]:
            last[0] = tunnel.state
            detail = f": {tunnel.problem}" if tunnel.problem else ""
            print(f"tunnel {tunnel.state.value}{detail}", flush=True)
        if tunnel.state in ends:
            stop.set()

    unsubscribe = manager.subscribe(changed)
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        unsubscribe()
    return tunnel.state in ends
