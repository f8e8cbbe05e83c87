"""Entry point: `hpctui` opens the TUI; subcommands are the headless front end.

Each subcommand lives in ``hpctui.cmd.<module>`` with ``register(subparsers)``;
modules are imported only when needed so `hpctui --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from hpctui import __version__
from hpctui.errors import UserError

# Each module defines register(subparsers) -> None and sets `func(args) -> int` on its parser.
SUBCOMMANDS: tuple[str, ...] = (
    "config",
    "status",
    "actions",
    "postmortem",
    "lint",
    "sync",
    "transfer",
    "choose",
    "purge",
    "audit",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hpctui",
        description="Your SLURM jobs on several clusters, one SSH connection each. "
        "Without a subcommand: open the terminal UI.",
    )
    parser.add_argument("--version", action="version", version=f"hpctui {__version__}")
    parser.add_argument("--config", metavar="PATH", help="config file (default: $HPCTUI_CONFIG, then ~/.config/hpctui/config.yaml)")
    parser.add_argument("--theme", metavar="NAME", help="UI theme: hpctui-dark, hpctui-light, hpctui-contrast")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        importlib.import_module(f"hpctui.cmd.{name}").register(sub)
    return parser


def run_tui(args: argparse.Namespace) -> int:
    from hpctui.cmd.tui import run

    return run(args)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", run_tui)
    try:
        return int(func(args) or 0)
    except UserError as exc:
        print(f"hpctui: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("hpctui: interrupted", file=sys.stderr)
        return 130
