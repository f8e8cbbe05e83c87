"""ssh client config: connection sharing only works when the ControlPath directory exists."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

from hpctui.toolkit.lint.document import Document
from hpctui.toolkit.lint.kinds import Kind
from hpctui.toolkit.lint.registry import Hit, LintContext, Severity, rule

_CONTROL_PATH = re.compile(r"^\s*ControlPath\s*=?\s*(?P<path>\S+)", re.I)

CONTROL_DIR = rule(
    "HPC601", "ssh-controlpath-dir", "ControlPath directory does not exist", Severity.ERROR,
    why="ssh does not create the socket directory: with ControlMaster auto and a missing "
    "directory every connection fails (\"unix_listener: cannot bind to path\"), so the one "
    "shared, pre-authenticated connection never happens.",
    fix="mkdir -p ~/.ssh/sockets (the directory of ControlPath)",
    source="Create socket directory: `mkdir -p ~/.ssh/sockets`",
    section="SSH Configuration",
)  # fmt: skip


@CONTROL_DIR.check(Kind.SSH_CONFIG)
def _control_dir(doc: Document, ctx: LintContext) -> Iterator[Hit]:
    """Checked on this machine, so only for the config of the user running the linter."""
    for number, line in enumerate(doc.lines, 1):
        m = _CONTROL_PATH.match(line)
        if not m or m["path"].lower() == "none":
            continue
        directory = os.path.dirname(os.path.expanduser(m["path"].strip("\"'")))
        if directory and "%" not in directory and not os.path.isdir(directory):
            yield Hit(number, m.start("path") + 1, f"ControlPath directory {directory} does not exist: ssh cannot share the connection",
                      hint=f"mkdir -p {directory}")  # fmt: skip
