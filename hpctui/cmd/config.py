"""`hpctui config check|path`: validate the config file, show where it is looked for."""

from __future__ import annotations

import argparse

from hpctui.cmd.common import add_config_option
from hpctui.config.load import config_candidates, find_config, load_config
from hpctui.config.render import render_config
from hpctui.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("config", help="validate the config file or show where it is looked for")
    add_config_option(parser)
    actions = parser.add_subparsers(dest="config_action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate the config and print it with every default filled in")
    add_config_option(check)
    check.set_defaults(func=check_config)
    path = actions.add_parser("path", help="print the config search paths in order")
    add_config_option(path)
    path.set_defaults(func=show_paths)


def check_config(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    print(render_config(config), end="")
    print(f"# OK: {config.source} is valid ({len(config.clusters)} clusters)")
    return 0


def show_paths(args: argparse.Namespace) -> int:
    """One line per candidate: `*` marks the one that would be loaded."""
    try:
        used = find_config(args.config)
    except UserError:
        used = None
    for candidate in config_candidates(args.config):
        mark = "*" if candidate.path == used else " "
        state = "exists" if candidate.path.is_file() else "missing"
        print(f"{mark} {candidate.path}  ({candidate.origin}, {state})")
    return 0
