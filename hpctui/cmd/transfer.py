"""`hpctui transfer SRC_CLUSTER:PATH DST_CLUSTER:PATH`: cluster to cluster through this machine.

tar on the source cluster streams over its ClusterLink, through this process (nothing is
written locally) into tar on the destination cluster's ClusterLink; then both sides hash
every file and the lists are compared.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from hpctui.cmd.common import add_config_option, connected
from hpctui.config.load import load_config
from hpctui.errors import UserError
from hpctui.toolkit import transfer as plan

CHUNK = 1 << 16
PROGRESS_EVERY_S = 0.5


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "transfer",
        help="copy a file or directory from one cluster to another, verified by sha256",
        description="Copy SRC (a file or directory) INTO the directory DST on another cluster "
        "(created when missing): `alpha:/scratch/me/data beta:/work/me` makes /work/me/data. "
        "The data streams through this machine over hpctui's SSH connections and is never "
        "written here. Relative paths start in your home directory. Afterwards every file's "
        "sha256 is compared on both sides.",
    )
    add_config_option(parser)
    parser.add_argument("source", metavar="SRC_CLUSTER:PATH")
    parser.add_argument("destination", metavar="DST_CLUSTER:DIR")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    source = plan.parse_endpoint(args.source, config)
    destination = plan.parse_endpoint(args.destination, config)
    parent, name = plan.split_source(source.path)
    return asyncio.run(_transfer(source, destination, parent, name))


async def _transfer(source: plan.Endpoint, destination: plan.Endpoint, parent: str, name: str) -> int:
    from hpctui.ssh.types import LinkError

    async with connected([source.cluster, destination.cluster]) as sessions:
        src, dst = sessions[source.cluster.name].link, sessions[destination.cluster.name].link
        try:
            await asyncio.gather(src.wait_connected(0.1), dst.wait_connected(0.1))
            facts = plan.parse_source_check(await _check(src, source, plan.source_check_command(parent, name)))
            await _check(dst, destination, plan.destination_check_command(destination.path, name))
            warning = plan.checkpoint_warning(facts.checkpoints, source.cluster, destination.cluster)
            if warning:
                print(warning, file=sys.stderr)
            await _copy(src, dst, parent, name, destination, facts.size)
            return await _verify(src, dst, parent, name, destination, facts.size)
        except LinkError as exc:
            raise UserError(str(exc), exit_code=1) from exc


async def _check(link, endpoint: plan.Endpoint, command: str) -> str:
    result = await link.run(command, timeout=max(link.cluster.ssh.command_timeout_s, 120))
    if result.exit_status == plan.FAILED:
        raise UserError(f"{endpoint.label}: {result.stdout.strip()}")
    if not result.ok:
        raise UserError(
            f"{endpoint.label}: check failed: {(result.stderr or result.stdout).strip()[:300]}", exit_code=1
        )
    return result.stdout


async def _copy(src, dst, parent: str, name: str, destination: plan.Endpoint, size: int) -> None:
    async with src.process(plan.pack_command(parent, name)) as packer:
        async with dst.process(plan.unpack_command(destination.path)) as unpacker:
            pack_err, unpack_err = (asyncio.ensure_future(p.stderr.read()) for p in (packer, unpacker))
            started = time.monotonic()
            copied, complete = await _pump(packer, unpacker, size)
            await unpacker.wait_closed()
            _raise_for(dst.name, "tar xf", unpacker.returncode, _text(await unpack_err))
            if not complete:  # cannot happen once the receiver exited 0; never wait on a blocked packer
                pack_err.cancel()
                raise UserError(f"{dst.name}: tar xf stopped reading after {plan.iec_bytes(copied)}", exit_code=1)
            await packer.wait_closed()
            _raise_for(src.name, "tar cf", packer.returncode, _text(await pack_err))
    where = f"{destination.label}/{name.removeprefix('./')}"
    print(f"copied {plan.done_line(copied, time.monotonic() - started)} to {where}", file=sys.stderr)


async def _pump(packer, unpacker, size: int) -> tuple[int, bool]:
    """Source stdout into destination stdin with a progress line on stderr.

    Returns the bytes moved and whether the source's stream was read to its end (False when
    the receiving side stopped reading: its exit status and stderr say why).
    """
    import asyncssh

    started = last = time.monotonic()
    copied, complete = 0, False
    tty = sys.stderr.isatty()
    try:
        while chunk := await packer.stdout.read(CHUNK):
            unpacker.stdin.write(chunk)
            await unpacker.stdin.drain()
            copied += len(chunk)
            if tty and time.monotonic() - last >= PROGRESS_EVERY_S:
                last = time.monotonic()
                print(
                    "\r\033[K" + plan.progress_line(copied, size, last - started), end="", file=sys.stderr, flush=True
                )
        unpacker.stdin.write_eof()
        complete = True
    except (OSError, asyncssh.Error):
        pass
    if tty:
        print("\r\033[K", end="", file=sys.stderr)
    return copied, complete


def _text(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", "replace").strip()


def _raise_for(cluster: str, what: str, status: int | None, stderr: str) -> None:
    if status == 0:
        return
    if status is None:
        raise UserError(f"{cluster}: {what}: the connection closed before it finished", exit_code=1)
    detail = "; ".join(stderr.splitlines()[:3]) or "no message"
    raise UserError(f"{cluster}: {what} failed (exit {status}): {detail}", exit_code=1)


async def _verify(src, dst, parent: str, name: str, destination: plan.Endpoint, size: int) -> int:
    timeout = plan.verify_timeout(size)
    results = await asyncio.gather(
        src.run(plan.checksum_command(parent, name), timeout=timeout),
        dst.run(plan.checksum_command(destination.path, name), timeout=timeout),
    )
    for link, result in zip((src, dst), results, strict=False):
        if not result.ok:
            raise UserError(f"{link.name}: sha256sum failed: {result.stderr.strip()[:300]}", exit_code=1)
    comparison = plan.compare(*(plan.parse_checksums(r.stdout) for r in results))
    print(comparison.summary(), file=sys.stderr if not comparison.equal else sys.stdout)
    return 0 if comparison.equal else 1
