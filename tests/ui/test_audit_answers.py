"""The audit list says what each command was for, verb first, and what happened per verb."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from textual.widgets import DataTable, Static

from hpctui.services.audit import AuditLog


async def test_each_row_says_the_action_verb_first_and_what_happened(make_app) -> None:
    from hpctui.ui.screens.audit import AuditScreen

    app = make_app()
    actions = app.workspace.session("alpha").actions
    for verb, job in (("hold", "1001"), ("release", "1001"), ("requeue", "1002"), ("cancel", "1003")):
        app.workspace.audit.append("alpha", actions.plan(verb, [job]).commands[0], True, "done", 0)
    refused = "scontrol: error: Requested operation is presently disabled for job 1004"
    app.workspace.audit.append("alpha", actions.plan("requeue", ["1004"]).commands[0], False, refused, 1)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AuditScreen)
        table = app.screen.query_one(DataTable)
        rows = [[str(cell) for cell in table.get_row_at(n)[1:3]] for n in range(table.row_count)]
        entry = str(app.screen.query_one("#entry", Static).render())  # the newest, under the cursor
        assert entry.split("\n")[0].endswith(f"  requeue 1004 (alpha): refused: {refused}")
    assert rows == [
        ["hold 1001 (alpha)", "held"],
        ["release 1001 (alpha)", "released"],
        ["requeue 1002 (alpha)", "requeued"],
        ["cancel 1003 (alpha)", "cancelled"],
        ["requeue 1004 (alpha)", f"refused: {refused}"],
    ]


def _audit_cli(state: Path) -> str:
    env = {"HOME": str(state), "XDG_STATE_HOME": str(state), "PATH": "/usr/bin:/bin"}
    answer = subprocess.run(
        [sys.executable, "-m", "hpctui", "audit"], env=env, capture_output=True, text=True, check=True
    )
    return answer.stdout


def test_the_cli_says_the_log_is_empty_and_then_the_action_first(tmp_path: Path) -> None:
    log = tmp_path / "hpctui" / "audit.log"
    assert _audit_cli(tmp_path) == f"no actions recorded yet (log: {log})\n"
    AuditLog(log).append("beta", "env -u SQUEUE_FORMAT sbatch --parsable job.sbatch", True, "2001", 0)
    first, command = _audit_cli(tmp_path).splitlines()
    assert first.endswith("  submit job.sbatch (beta): submitted as job 2001")
    assert command == "    $ env -u SQUEUE_FORMAT sbatch --parsable job.sbatch"
