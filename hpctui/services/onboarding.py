"""``hpctui init``'s survey: connect to each chosen ssh Host the way hpctui always connects
(``ClusterLink``: the ssh config, known_hosts, the human asked about unknown host keys and
one-time codes), ask Slurm what it offers, and turn the answers into ``ClusterDraft``s.

Every cluster is surveyed at once, on its one connection, which is closed afterwards. A
cluster that cannot be reached, or whose Slurm does not answer, still gets a draft: its
``problem`` says why, so the config written keeps every cluster the user chose.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from hpctui.config.draft import ClusterDraft, cluster_name
from hpctui.config.model import Cluster, SshTarget
from hpctui.slurm.commands import sinfo_command
from hpctui.slurm.errors import SlurmError, SlurmProblem, check_errors
from hpctui.slurm.inventory import (
    PartitionFacts,
    accounts_command,
    cluster_name_command,
    describe_partitions,
    parse_accounts,
    parse_cluster_name,
    parse_partitions,
    partitions_command,
)
from hpctui.slurm.parse import parse_sinfo
from hpctui.ssh.hosts import SshHost, default_ssh_config
from hpctui.ssh.link import ClusterLink, command_name
from hpctui.ssh.types import LinkError, LinkState, Prompter


@dataclass(frozen=True)
class Inventory:
    """What Slurm said about one cluster."""

    slurm_name: str | None
    partitions: tuple[PartitionFacts, ...]
    accounts: tuple[str, ...]
    notes: tuple[str, ...] = ()  # what could not be learnt (accounts without accounting, ...)


async def survey(hosts: Iterable[SshHost], ssh_config: Path, prompter: Prompter | None) -> list[ClusterDraft]:
    """One draft per host, in the order given."""
    clusters = _clusters(hosts, ssh_config)
    return list(await asyncio.gather(*(_survey_one(cluster, host, prompter) for cluster, host in clusters)))


def _clusters(hosts: Iterable[SshHost], ssh_config: Path) -> list[tuple[Cluster, SshHost]]:
    custom = None if ssh_config.expanduser() == default_ssh_config() else str(ssh_config)
    found: list[tuple[Cluster, SshHost]] = []
    for host in hosts:
        name = cluster_name(host.alias, (cluster.name for cluster, _ in found))
        found.append((Cluster(name=name, ssh=SshTarget(alias=host.alias, ssh_config=custom)), host))
    return found


async def _survey_one(cluster: Cluster, host: SshHost, prompter: Prompter | None) -> ClusterDraft:
    draft = ClusterDraft(
        name=cluster.name, alias=host.alias, reached_as=host.describe(), ssh_config=cluster.ssh.ssh_config
    )
    link = ClusterLink(cluster, prompter)
    try:
        await link.start()
        # Each connection attempt has its own deadline (paused while the human answers a
        # prompt), so waiting for the first one to end needs no timeout of its own.
        await link.wait_settled()
        if link.status.state is not LinkState.CONNECTED:
            return _with_problem(draft, link.status.reason or link.status.detail or link.status.state.value)
        inventory = await discover(link)
    except (LinkError, SlurmProblem) as exc:
        return _with_problem(draft, str(exc).removeprefix(f"{cluster.name}: "))
    finally:
        await link.close()
    return replace(
        draft,
        slurm_name=inventory.slurm_name,
        partitions=inventory.partitions,
        accounts=inventory.accounts,
        notes=inventory.notes,
    )


def _with_problem(draft: ClusterDraft, problem: str) -> ClusterDraft:
    return replace(draft, problem=problem)


async def discover(link: ClusterLink) -> Inventory:
    """Partitions (scontrol + sinfo), Slurm's cluster name and the user's accounts there.

    Raises ``SlurmProblem`` when the partitions cannot be had; a missing cluster name or
    accounts (a site without accounting) only leave a note.
    """
    nodes_text, partitions_text, config_text, accounts_text = await asyncio.gather(
        _output(link, sinfo_command()),
        _output(link, partitions_command()),
        _output(link, cluster_name_command()),
        _output(link, accounts_command()),
        return_exceptions=True,
    )
    if isinstance(nodes_text, BaseException):
        raise nodes_text
    notes = [f"{what}: {answer}" for what, answer in (("partition flags", partitions_text), ("accounts", accounts_text))
             if isinstance(answer, BaseException)]  # fmt: skip
    partitions = parse_partitions(partitions_text) if isinstance(partitions_text, str) else []
    slurm_name = parse_cluster_name(config_text) if isinstance(config_text, str) else None
    accounts = parse_accounts(accounts_text, slurm_name) if isinstance(accounts_text, str) else ()
    return Inventory(slurm_name, describe_partitions(parse_sinfo(nodes_text), partitions), accounts, tuple(notes))


async def _output(link: ClusterLink, command: str) -> str:
    """stdout of ``command``; ``SlurmError`` with its first error line when it failed."""
    result = await link.run(command)
    check_errors(result.stderr)
    if not result.ok:
        said = (result.stderr.strip() or result.stdout.strip()).split("\n")[0]
        raise SlurmError(said or f"{command_name(command)} exited with status {result.exit_status}")
    return result.stdout
