"""`hpctui config check|path|example`: validate the config file, show where it is looked for,
print the documented example."""

from __future__ import annotations

import argparse
from pathlib import Path

from hpctui.cmd.common import add_config_option
from hpctui.config.load import config_candidates, example_config, find_config, load_config
from hpctui.config.model import Config
from hpctui.config.render import render_config
from hpctui.errors import UserError
from hpctui.format import plural


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
    example = actions.add_parser("example", help="print an example config with every setting explained")
    example.set_defaults(func=show_example)


def check_config(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    print(render_config(config), end="")
    print(verdict(config))
    return 0


def checked(path: str | Path) -> str:
    """What `hpctui config check` concludes about the file at ``path`` (ConfigError when invalid)."""
    return verdict(load_config(path))


def verdict(config: Config) -> str:
    return f"# OK: {config.source} is valid ({plural(len(config.clusters), 'cluster')})"


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


def show_example(args: argparse.Namespace) -> int:
    print(example_config(), end="")
    return 0
