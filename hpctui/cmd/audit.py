"""`hpctui audit`: every state-changing command hpctui ran, oldest first."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from hpctui.cmd.common import add_config_option, pick_clusters
from hpctui.config.load import ConfigError, load_config
from hpctui.errors import UserError
from hpctui.services.audit import AuditEntry, AuditLog
from hpctui.visible import visible


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("audit", help="print the audit log of commands hpctui ran on clusters")
    add_config_option(parser)
    parser.add_argument("--cluster", metavar="NAME", help="only this cluster")
    parser.add_argument("--last", type=int, metavar="N", help="only the last N entries")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--path", action="store_true", help="print where the log is and exit")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    log = AuditLog()
    if args.path:
        print(log.path)
        return 0
    if args.last is not None and args.last < 1:
        raise UserError(f"--last must be at least 1, not {args.last}")
    try:
        logged = log.entries()
    except OSError as exc:
        raise UserError(f"cannot read the audit log {log.path}: {exc.strerror or exc}") from exc
    if args.cluster is not None:
        _check_cluster(args, logged)
    entries = [e for e in logged if args.cluster in (None, e.cluster)]
    if args.last is not None:
        entries = entries[-args.last :]
    if not entries:
        which = f" on {args.cluster}" if args.cluster else ""
        # on stderr with --json, so the output stays JSON lines only
        print(f"no actions recorded yet{which} (log: {log.path})", file=sys.stderr if args.json else sys.stdout)
    for entry in entries:
        if args.json:
            print(json.dumps(asdict(entry), ensure_ascii=False))
        else:
            print(visible(f"{entry.when}  {entry.action}: {entry.answer}"))
            print(visible(f"    $ {entry.command}"))
            if not entry.ok and "\n" in entry.result.strip():
                print(visible(f"    {entry.result.strip()}".replace("\n", "\n    "), newlines=True))
    return 0


def _check_cluster(args: argparse.Namespace, logged: list[AuditEntry]) -> None:
    """UserError for a cluster neither the log nor the config names. The log is enough to answer,
    so a config that cannot be read is not an error here, and a cluster since removed from the
    config still shows its entries."""
    if any(entry.cluster == args.cluster for entry in logged):
        return
    try:
        config = load_config(args.config)
    except ConfigError:
        return
    pick_clusters(config, [args.cluster])
