"""`hpctui lint PATH...`: check job scripts, shell scripts, Makefiles and Python code against
the field notes' pitfalls (rules in docs/lint-rules.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hpctui.cmd.common import add_config_option
from hpctui.errors import UserError
from hpctui.toolkit.lint import Finding, LintContext, Severity, lint_paths

DESCRIPTION = """\
Check sbatch scripts, shell scripts, Makefiles, Python sources and ssh configs for the pitfalls of
the field notes (rules and their reasons: docs/lint-rules.md). Directories are walked.
With --cluster, the cluster's `rules:` from the config add its facts (partitions where --mem is
forbidden, required container binds and environment, thread cap, Lustre paths ...).
Silence one finding with `# hpctui: noqa CODE` on its line.
Exit status: 0 clean, 1 findings, 2 usage error."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "lint", help="check job scripts and code for known HPC pitfalls",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    add_config_option(parser)
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories to check")
    parser.add_argument("--cluster", metavar="NAME", help="check against this configured cluster's rules")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument(
        "--tree", metavar="DIR", help="local tree rsync excludes are checked against (default: each file's directory)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UserError(f"no such file or directory: {', '.join(missing)}")
    tree = Path(args.tree) if args.tree else None
    if tree is not None and not tree.is_dir():
        raise UserError(f"--tree {args.tree}: not a directory")
    result = lint_paths(paths, _context(args, tree))
    for path in result.skipped:
        print(f"hpctui lint: {path}: not a script, Makefile, Python file or ssh config; skipped", file=sys.stderr)
    if args.format == "json":
        print(json.dumps([f.as_dict() for f in result.findings], indent=2))
    else:
        for finding in result.findings:
            print(format_finding(finding))
        print(_summary(result.findings, result.files), file=sys.stderr)
    return 1 if result.findings else 0


def _context(args: argparse.Namespace, tree: Path | None) -> LintContext:
    if not args.cluster:
        return LintContext(tree=tree)
    from hpctui.config.load import load_config

    cluster = load_config(getattr(args, "config", None)).cluster(args.cluster)
    return LintContext(cluster.rules, cluster.name, tree)


def format_finding(finding: Finding) -> str:
    return f"{finding.path}:{finding.line}:{finding.col} {finding.code} {finding.message}\n  fix: {finding.hint}"


def _summary(findings: list[Finding], files: int) -> str:
    errors = sum(f.severity is Severity.ERROR for f in findings)
    checked = f"{files} file{'s' if files != 1 else ''} checked"
    if not findings:
        return f"{checked}, no findings"
    return f"{checked}: {errors} error{'s' if errors != 1 else ''}, {len(findings) - errors} warning{'s' if len(findings) - errors != 1 else ''}"
