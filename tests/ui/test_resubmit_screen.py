"""The resubmit screen: a job that still runs is said to get a second run (on screen and in the
confirmation), the partition is chosen among the cluster's (the job's own kept), an unknown one
is flagged, the lint reads what will be submitted (the command's --time, not the script's), and ctrl+t and
ctrl+s say why they do nothing when there is no suggestion or no script."""

from __future__ import annotations

import shlex
from typing import Any

from textual.widgets import Input, Select, Static
from waiting import wait_for

from hpctui.slurm.accounting import ACCOUNTING_FIELDS
from hpctui.ssh.types import Result
from hpctui.ui.dialogs.confirm import ConfirmDialog
from hpctui.ui.screens.resubmit import ResubmitScreen

SCRIPT = "#!/bin/bash\n#SBATCH --requeue\n#SBATCH --output=/w/%x_%j.out\nif [ -f ckpt/latest.pt ]; then :; fi\n"


def shown(partition: str) -> str:
    return (
        f"JobId=77 JobName=train.sh\n   JobState=RUNNING Reason=None\n   TimeLimit=01:00:00\n   Partition={partition}\n"
        "   NumNodes=1 NumCPUs=1 NumTasks=1 CPUs/Task=1\n   MinMemoryNode=1G\n"
        "   Command=/w/train.sh\n   WorkDir=/w\n   StdOut=/w/train.sh_77.out\n   StdErr=/w/train.sh_77.out\n"
    )


class ScriptedLink:
    """Answers the resubmit's questions by a distinctive part of each command."""

    def __init__(self, partition: str) -> None:
        record = dict.fromkeys(ACCOUNTING_FIELDS, "")
        record.update(
            JobName="train.sh", Partition=partition, WorkDir="/w", State="RUNNING", SubmitLine="sbatch train.sh"
        )
        self.answers = {
            "show job": shown(partition),
            "write batch_script": SCRIPT,
            "sacct --allocations": "\x1f".join(record.values()) + "\n",
            "sacct --batch-script": "Batch Script for 77\n----\nNONE\n",
        }

    async def run(self, command: str, *, timeout: float | None = None, input: str | None = None) -> Result:
        if "/w/train.sh" in shlex.split(command):  # the script probe: the first candidate is the file
            return Result(command, 0, f"1\n{SCRIPT}", "")
        answer = next((text for key, text in self.answers.items() if key in command), None)
        return Result(command, 0 if answer is not None else 1, answer or "", "")

    async def wait_connected(self, timeout: float | None = None) -> None:
        return None


async def open_resubmit(app: Any, pilot: Any, partition: str) -> ResubmitScreen:
    return await open_with(app, pilot, ScriptedLink(partition))


async def open_with(app: Any, pilot: Any, link: ScriptedLink) -> ResubmitScreen:
    session = app.workspace.session("alpha")
    session.link = link
    screen = ResubmitScreen(session, "77")
    await app.push_screen(screen)
    await wait_for(pilot, lambda: screen.draft is not None)
    await pilot.pause()
    return screen


async def test_a_running_job_gets_a_second_run_warning_and_the_partition_is_a_choice(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_resubmit(app, pilot, "gpu")
        warning = "job 77 'train.sh' is still RUNNING: this starts a second run"
        assert warning in str(screen.query_one("#warnings", Static).render())
        lint = str(screen.query_one("#lint", Static).render())
        assert "HPC104" not in lint and "HPC103" not in lint  # --time=01:00:00 runs; /w is the WorkDir
        partition = screen.query_one("#edit-partition", Select)
        assert [value for _, value in partition._options if isinstance(value, str)] == ["cpu", "gpu"]
        partition.value = "cpu"
        await pilot.pause()
        assert "--partition=cpu" in str(screen.query_one("#commands", Static).render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog) and warning in app.screen.notes


async def test_a_partition_the_cluster_does_not_show_is_flagged_but_kept(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_resubmit(app, pilot, "gpu-old")
        partition = screen.query_one("#edit-partition", Select)
        assert partition.value == "gpu-old"
        assert "partition 'gpu-old' is not among alpha's partitions (last sinfo: cpu, gpu)" in str(
            screen.query_one("#warnings", Static).render()
        )


async def test_ctrl_t_without_a_suggestion_says_so(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await open_resubmit(app, pilot, "gpu")  # RUNNING: its last state suggests nothing
        time = screen.query_one("#edit-time", Input).value
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert "no suggestion for this job" in [str(n.message) for n in app._notifications]
        assert screen.query_one("#edit-time", Input).value == time


async def test_ctrl_s_on_a_wrap_job_without_a_script_says_why(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        session = app.workspace.session("alpha")
        link = ScriptedLink("gpu")
        link.answers["show job"] = shown("gpu").replace("Command=/w/train.sh", "Command=(null)")
        del link.answers["write batch_script"]  # Slurm kept no copy
        session.link = link
        await app.push_screen(ResubmitScreen(session, "77"))
        await pilot.pause(0.3)
        assert "no script to resubmit" in str(app.screen.query_one("#info", Static).render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        messages = [str(n.message) for n in app._notifications]
    assert any(
        m.startswith("nothing to submit: job 77: no script to resubmit: it was submitted with --wrap") for m in messages
    )


async def open_with_logs_dir(app: Any, pilot: Any, answer: str) -> str:
    """The job was submitted with ``-o logs/%x_%j.out`` from its WorkDir /w; the cluster says
    whether /w/logs is a directory (``answer``). Returns the lint shown."""
    link = ScriptedLink("gpu")
    link.answers["show job"] = shown("gpu").replace("/w/train.sh_77.out", "/w/logs/train.sh_77.out")
    link.answers["sacct --allocations"] = link.answers["sacct --allocations"].replace(
        "sbatch train.sh", "sbatch -o logs/%x_%j.out train.sh"
    )
    link.answers["test -d"] = answer
    screen = await open_with(app, pilot, link)
    assert screen.draft is not None and screen.draft.options.output == "logs/%x_%j.out"
    return str(screen.query_one("#lint", Static).render())


async def test_a_log_directory_under_the_work_dir_that_exists_is_not_flagged(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        assert "HPC103" not in await open_with_logs_dir(app, pilot, "present\n")


async def test_a_log_directory_the_cluster_does_not_have_is_still_flagged(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(160, 50)) as pilot:
        assert "HPC103" in await open_with_logs_dir(app, pilot, "absent\n")


async def test_at_80_columns_every_resource_field_is_whole_on_screen(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_resubmit(app, pilot, "gpu")
        fields = [*screen.query("#edits Input"), *screen.query("#edits Select")]
        assert fields and all(field.region.right <= 80 and field.region.width >= 12 for field in fields), [
            (field.id, field.region) for field in fields
        ]
