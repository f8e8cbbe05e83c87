"""What the headless subcommands share: the --config option, picking clusters, connecting."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, TypeVar

from hpctui.config.model import Cluster, Config
from hpctui.slurm.errors import SlurmProblem
from hpctui.ssh.types import LinkError, LinkState

if TYPE_CHECKING:  # imported lazily: asyncssh is slow to import and `--help` must be quick
    from hpctui.services.cluster import ClusterSession

T = TypeVar("T")


def add_config_option(parser: argparse.ArgumentParser) -> None:
    """``--config`` after the subcommand too; SUPPRESS keeps the top-level value when absent."""
    parser.add_argument("--config", metavar="PATH", default=argparse.SUPPRESS, help="config file to use")


def pick_clusters(config: Config, names: Iterable[str] | None) -> list[Cluster]:
    """The named clusters (UserError for an unknown name), or all of them in config order."""
    names = list(names or [])
    return [config.cluster(name) for name in names] if names else list(config.clusters)


def terminal_prompter():
    from hpctui.ssh.prompts import TerminalPrompter

    return TerminalPrompter()


@asynccontextmanager
async def connected(clusters: list[Cluster], timeout: float | None = None) -> AsyncIterator[dict[str, ClusterSession]]:
    """Sessions for ``clusters`` with their links started (no poll loop); closed on exit.

    A cluster that cannot connect (refused at once, or not within ``timeout``) stays in the dict;
    its link status tells why. A refused connection is not retried: the command answers at once.
    """
    from hpctui.services.cluster import ClusterSession

    prompter = terminal_prompter()
    sessions = {c.name: ClusterSession(c, prompter) for c in clusters}
    try:
        await asyncio.gather(*(s.link.start() for s in sessions.values()))
        await asyncio.gather(
            *(s.link.wait_settled(timeout or s.cluster.ssh.connect_timeout_s) for s in sessions.values()),
            return_exceptions=True,
        )
        yield sessions
    finally:
        await asyncio.gather(*(s.link.close() for s in sessions.values()), return_exceptions=True)


async def ask_each(clusters: list[Cluster], ask: Callable[[ClusterSession], Awaitable[T]]) -> dict[str, T | str]:
    """``ask`` of every cluster at once, over one connection each, by cluster name; a cluster
    that cannot answer gives why in one line (Slurm's words or the link's)."""

    async def answer(session: ClusterSession) -> T | str:
        try:
            return await ask(session)
        except (SlurmProblem, LinkError) as exc:
            return str(exc)

    async with connected(clusters) as sessions:
        found = await asyncio.gather(*(answer(s) for s in sessions.values()))
    return dict(zip(sessions, found, strict=True))


def unreachable(link) -> str | None:
    """Why a link that ``connected()`` gave up on is down ("Connection refused"), or None when up."""
    status = link.status
    if status.state is LinkState.CONNECTED:
        return None
    return status.reason or status.detail or status.state.value
