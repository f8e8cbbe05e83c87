"""Review finding (s6-review): a job submitted as `sbatch ../w16a/train.sh` keeps a relative
Command= in scontrol (Command=../w16a/train.sh; a bare `train.sh` comes back absolute). The
resubmit probe looks for that path from the login directory, not the job's WorkDir, so the
plan says "script ../w16a/train.sh no longer exists" and submits Slurm's kept copy instead of
the file the user edited since (seen on the lab's beta with job 512033: the file was there).
"""

from __future__ import annotations

import asyncio
import posixpath
import shlex
from pathlib import Path

from test_actions_resubmit_service import SCRIPT, SHOWN, Scripted, answers, ok, resubmitter

from hpctui.ssh.types import Result


class FromHome(Scripted):
    """The script probe runs in the login directory /home/u: a relative path is found only
    when it was made absolute (here: /w/train.sh exists)."""

    async def run(self, command: str, *, timeout: float | None = None, input: str | None = None) -> Result:
        if "exec cat" not in command:
            return await super().run(command, timeout=timeout, input=input)
        self.ran.append(command)
        paths = shlex.split(command)[4:]
        found = [n for n, p in enumerate(paths, 1) if posixpath.normpath(posixpath.join("/home/u", p)) == "/w/train.sh"]
        return Result(command, 0, f"{found[0]}\n{SCRIPT}", "") if found else Result(command, 1, "", "")


def test_a_relative_command_is_found_from_the_jobs_workdir(tmp_path: Path) -> None:
    relative = SHOWN.replace("Command=/w/train.sh --lr 0.1", "Command=../w/train.sh --lr 0.1")
    runner = FromHome(answers([ok(relative)]))
    draft = asyncio.run(resubmitter(runner, tmp_path).prepare("77"))
    assert not any("no longer exists" in note for note in draft.notes), draft.notes
    assert draft.script_path is not None
