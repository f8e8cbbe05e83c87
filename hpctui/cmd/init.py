"""`hpctui init`: write a commented config from the ssh config and what each cluster's Slurm says.

Lists the Host entries of the ssh config, lets the user pick (a numbered prompt, or ``--hosts``),
connects to each the way hpctui always does (host keys and one-time codes asked on the
terminal), asks Slurm for its partitions, GPUs, cores, memory and the user's accounts, writes
the config and checks it as `hpctui config check` does. Exit 1, and nothing written, when a
cluster could not be surveyed: a config with a cluster nobody could reach would replace one that
works.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from hpctui.cmd.common import terminal_prompter
from hpctui.cmd.config import checked
from hpctui.config.draft import ClusterDraft, render_draft
from hpctui.config.load import default_config_path
from hpctui.errors import UserError
from hpctui.visible import visible

if TYPE_CHECKING:  # asyncssh (under hpctui.ssh) is slow to import and `--help` must be quick
    from hpctui.ssh.hosts import SshHost

_SEPARATORS = re.compile(r"[\s,]+")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("init", help="write a config from your ssh config and what the clusters say")
    parser.add_argument("--ssh-config", metavar="PATH", help="ssh config to read (default: ~/.ssh/config)")
    parser.add_argument("--hosts", metavar="A,B", help="the ssh Hosts to add, comma-separated (no prompt)")
    parser.add_argument("--output", metavar="PATH", help="where to write (default: where hpctui looks first)")
    parser.add_argument(
        "--yes",
        action="store_true",
        help="no questions from init (needs --hosts; an existing file needs --force); "
        "unknown host keys and one-time codes are still asked on the terminal",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing config without asking")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.yes and not args.hosts:
        raise UserError("--yes needs --hosts: which ssh Hosts to add")
    output = Path(args.output).expanduser() if args.output else default_config_path()
    _check_may_write(output, args)
    from hpctui.services.onboarding import survey
    from hpctui.ssh.hosts import default_ssh_config

    # Absolute: the config written names it, and hpctui may run from another directory.
    ssh_config = Path(args.ssh_config).expanduser().absolute() if args.ssh_config else default_ssh_config()
    hosts = _chosen_hosts(args.hosts, ssh_config, explicit=args.ssh_config is not None)
    print(f"connecting to {', '.join(host.alias for host in hosts)} ...", flush=True)

    drafts = asyncio.run(survey(hosts, ssh_config, terminal_prompter()))
    for draft in drafts:
        print(summary(draft))
    failed = [draft.name for draft in drafts if draft.problem is not None]
    if failed:  # a config with a cluster nobody could reach would replace one that works
        kept = ",".join(draft.name for draft in drafts if draft.problem is None)
        hint = f" (or leave it out: --hosts {kept})" if kept else ""
        print(f"nothing written: {', '.join(failed)} could not be asked; fix that and run init again{hint}")
        return 1
    _write(output, render_draft(drafts, str(ssh_config)))
    print(f"wrote {output}")
    print(checked(output))
    return 0


def _check_may_write(output: Path, args: argparse.Namespace) -> None:
    """Never replace a file unasked: before connecting anywhere, so no one waits for nothing."""
    if not output.exists() or args.force:
        return
    if args.yes:
        raise UserError(f"{output} exists; --force replaces it")
    if _ask(f"{output} exists. Replace it? [y/N] ").strip().lower() not in ("y", "yes"):
        raise UserError(f"{output} left as it was")


def _ask(question: str) -> str:
    try:
        return input(question)
    except EOFError:
        return ""


def _chosen_hosts(names: str | None, ssh_config: Path, *, explicit: bool) -> list[SshHost]:
    from hpctui.ssh.hosts import list_hosts

    known = list_hosts(ssh_config) if explicit or ssh_config.is_file() else []
    if names:
        return [_host(name, known, ssh_config) for name in _words(names)]
    if not known:
        raise UserError(f"no Host entries in {ssh_config}: add one per cluster, or name the hosts with --hosts")
    return _pick(known, ssh_config)


def _words(text: str) -> list[str]:
    return [word for word in _SEPARATORS.split(text) if word]


def _host(name: str, known: list[SshHost], ssh_config: Path) -> SshHost:
    """A Host of the config, or any name ssh would take (resolved through the config's patterns)."""
    from hpctui.ssh.hosts import SshHost, resolve_host

    for host in known:
        if host.alias == name:
            return host
    return resolve_host(ssh_config, name) if ssh_config.is_file() else SshHost(alias=name, hostname=name)


def _pick(known: list[SshHost], ssh_config: Path) -> list[SshHost]:
    print(f"Hosts in {ssh_config}:")
    width = max(len(host.alias) for host in known)
    for number, host in enumerate(known, 1):
        print(f"  {number:>2}) {host.alias.ljust(width)}  {host.describe()}")
    while True:
        answer = _ask("Clusters to add (numbers or names, e.g. 1 3; Enter for all): ")
        chosen = parse_choice(answer, known)
        if isinstance(chosen, list):
            return chosen
        print(chosen)


def parse_choice(answer: str, known: list[SshHost]) -> list[SshHost] | str:
    """The hosts an answer names (numbers or aliases; empty: all), or what is wrong with it."""
    words = _words(answer)
    if not words:
        return list(known)
    by_alias = {host.alias: host for host in known}
    chosen: dict[str, SshHost] = {}
    for word in words:
        if word.isdigit() and 1 <= int(word) <= len(known):
            host = known[int(word) - 1]
        elif word in by_alias:
            host = by_alias[word]
        else:
            return f"not a number from 1 to {len(known)} nor a Host listed: {word!r}"
        chosen[host.alias] = host
    return list(chosen.values())


def summary(draft: ClusterDraft) -> str:
    """One line per cluster: what was found, or why nothing was."""
    if draft.problem is not None:
        return visible(f"{draft.name}: FAILED: {draft.problem}")
    parts = []
    for facts in draft.partitions:
        gpus = "".join(f", {gpu.total} {gpu.type}" for gpu in facts.gpus)
        parts.append(f"{facts.name} ({facts.nodes} node{'' if facts.nodes == 1 else 's'}{gpus})")
    accounts = f"; accounts: {', '.join(draft.accounts)}" if draft.accounts else ""
    notes = "".join(f"; {note}" for note in draft.notes)
    return visible(f"{draft.name}: {', '.join(parts) or 'no partitions'}{accounts}{notes}")


def _write(output: Path, text: str) -> None:
    """All or nothing: a half-written config is worse than none."""
    temporary = None
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, output)
    except OSError as exc:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
        raise UserError(f"cannot write {output}: {exc.strerror or exc}") from None
