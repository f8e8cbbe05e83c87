"""Entry point: `hpctui` opens the TUI; subcommands are the headless front end.

Each subcommand lives in ``hpctui.cmd.<module>`` with ``register(subparsers)``;
only the module of the command given is imported, so a bare `hpctui` starts fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from hpctui import __version__
from hpctui.errors import UserError

# Command name -> the module that registers it (register(subparsers) sets `func(args) -> int`).
COMMANDS: dict[str, str] = {
    "config": "config",
    "status": "status",
    **{verb: "actions" for verb in ("cancel", "requeue", "hold", "release", "resubmit")},
    "postmortem": "postmortem",
    "lint": "lint",
    "sync": "sync",
    "transfer": "transfer",
    "choose": "choose",
    "purge-check": "purge",
    "audit": "audit",
    "init": "init",
    "watch": "watch",
}
_VALUE_OPTIONS = ("--config", "--theme")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hpctui",
        description="Your SLURM jobs on several clusters, one SSH connection each. "
        "Without a subcommand: open the terminal UI.",
    )
    parser.add_argument("--version", action="version", version=f"hpctui {__version__}")
    parser.add_argument(
        "--config", metavar="PATH", help="config file (default: $HPCTUI_CONFIG, then ~/.config/hpctui/config.yaml)"
    )
    parser.add_argument("--theme", metavar="NAME", help="UI theme: hpctui-dark, hpctui-light, hpctui-contrast")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _modules_needed(sys.argv[1:] if argv is None else argv):
        importlib.import_module(f"hpctui.cmd.{module}").register(sub)
    return parser


def _modules_needed(argv: list[str]) -> list[str]:
    """Only the module of the command given: a bare `hpctui` (the TUI) imports none of them,
    which keeps its start fast. Help, or an unknown command, needs them all."""
    everything = list(dict.fromkeys(COMMANDS.values()))
    tokens = iter(argv)
    for token in tokens:
        if token in _VALUE_OPTIONS:
            next(tokens, None)
        elif not token.startswith("-"):
            return [COMMANDS[token]] if token in COMMANDS else everything
    return everything if {"-h", "--help"} & set(argv) else []


def run_tui(args: argparse.Namespace) -> int:
    from hpctui.cmd.tui import run

    return run(args)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(argv)
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
