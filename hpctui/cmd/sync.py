"""`hpctui sync CLUSTER`: rsync the local project to the cluster's project_dir, pitfalls refused."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from hpctui.cmd.common import add_config_option
from hpctui.config.load import load_config
from hpctui.errors import UserError
from hpctui.toolkit.sync import DEFAULT_EXCLUDES, pitfalls, rsync_argv

DESCRIPTION = f"""\
Copy the cluster's local_project_dir (or the current directory) to its remote project_dir
with `rsync -az`, always excluding {", ".join(DEFAULT_EXCLUDES)} ("/data" with its leading
slash: only the top-level data directory). An --exclude without a leading slash that would
also drop a nested directory of source code (say src/pkg/data/) is refused.

rsync starts its own ssh process with your ssh config for the host (the cluster's ssh_config,
known_hosts and explicit host/port/user settings): it does not use hpctui's connection, so a
login that needs a one-time code asks for it again (a ControlMaster in ~/.ssh/config avoids that)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sync",
        help="rsync the local project to a cluster's project_dir",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(parser)
    parser.add_argument("cluster", metavar="CLUSTER", help="configured cluster name")
    parser.add_argument("--dry-run", action="store_true", help="show what would be sent, send nothing")
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PAT",
        help="one more rsync exclude pattern (repeatable); start it with / to match only at the top",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    cluster = load_config(args.config).cluster(args.cluster)
    if not cluster.project_dir:
        raise UserError(f"{cluster.name}: no project_dir in the config: nowhere to sync to")
    source = Path(cluster.local_project_dir or os.getcwd())
    if not source.is_dir():
        raise UserError(f"{cluster.name}: local_project_dir {source} is not a directory")
    excludes = [*DEFAULT_EXCLUDES, *(p for p in args.exclude if p not in DEFAULT_EXCLUDES)]
    found = pitfalls(excludes, source)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise UserError(found[0].message + more)
    if shutil.which("rsync") is None:
        raise UserError("rsync is not installed on this machine")
    argv = rsync_argv(source, cluster.ssh, cluster.project_dir, excludes, dry_run=args.dry_run)
    what = "would send" if args.dry_run else "sending"
    print(f"{what} {source}/ -> {cluster.name}:{cluster.project_dir}/", file=sys.stderr)
    print(f"$ {shlex.join(argv)}", file=sys.stderr, flush=True)
    return subprocess.run(argv, check=False).returncode
