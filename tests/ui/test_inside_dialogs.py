"""The dialogs and keys of getting inside a job, on the fake workspace: the forward dialog's
ports, the salloc dialog's command, and the forward and shell keys that refuse at once on a job
that does not run (the shell never suspends for one, nor where the terminal cannot be handed
over)."""

from __future__ import annotations

from typing import Any

import ui_fakes
from textual.app import App
from textual.widgets import Input, Static

from hpctui.slurm.commands import scontrol_job_command
from hpctui.ssh.types import Result
from hpctui.ui.dialogs.allocate import AllocateDialog
from hpctui.ui.dialogs.forward import ForwardDialog, PortChoice
from hpctui.ui.widgets.job_table import JobTable


class DialogApp(App[None]):
    def __init__(self, dialog: Any) -> None:
        super().__init__()
        self.dialog = dialog
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self.results.append)


async def test_a_configured_port_button_forwards_that_port() -> None:
    app = DialogApp(ForwardDialog("Forward", (6006, 8888)))
    async with app.run_test() as pilot:
        await pilot.click("#port-8888")
        await pilot.pause()
    assert app.results == [PortChoice(8888, None)]


async def test_another_port_and_a_local_port_typed_in() -> None:
    app = DialogApp(ForwardDialog("Forward", (6006,)))
    async with app.run_test() as pilot:
        app.screen.query_one("#local", Input).value = "18080"
        app.screen.query_one("#remote", Input).focus()
        await pilot.press(*"70000", "enter")
        problem = str(app.screen.query_one("#problem", Static).render())
        await pilot.press(*["backspace"] * 5, *"5000", "enter")
        await pilot.pause()
    assert "must be a port number from 1 to 65535, not 70000" in problem
    assert app.results == [PortChoice(5000, 18080)]


async def test_the_salloc_dialog_shows_the_command_and_starts_only_a_valid_one() -> None:
    cluster = ui_fakes.cluster("alpha", "gpu", "mi250x")
    app = DialogApp(AllocateDialog(cluster))
    async with app.run_test(size=(100, 30)) as pilot:
        shown = str(app.screen.query_one("#command", Static).render())
        app.screen.query_one("#partition", Input).value = "gpu;id"
        await pilot.pause()
        refused = str(app.screen.query_one("#command", Static).render())
        await pilot.click("#start")
        still_open = isinstance(app.screen, AllocateDialog)
        app.screen.query_one("#partition", Input).value = "cpu"
        app.screen.query_one("#gpus", Input).value = "0"
        app.screen.query_one("#gpus", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
    assert "$ salloc --partition=gpu --time=1:00:00 --gres=gpu:1 srun --overlap --pty" in shown
    assert "not a partition name: 'gpu;id'" in refused and still_open
    assert app.results == ['salloc --partition=cpu --time=1:00:00 srun --overlap --pty "${SHELL:-/bin/sh}"']


async def key_on(make_app: Any, key: str, job_id: str, scontrol: str = "", **row: Any) -> tuple[list[str], Any]:
    """Press ``key`` on the queue row of ``job_id`` (with ``row``'s fields, when given); the
    toasts and the screen the key showed (a forward dialog is then dismissed)."""
    snap = ui_fakes.snapshot("alpha", (*ui_fakes.alpha_jobs(), ui_fakes.job(job_id, **row))) if row else None
    workspace = ui_fakes.workspace(snap)
    link = workspace.session("alpha").link
    link.answers = {scontrol_job_command(job_id): Result(scontrol_job_command(job_id), 0, scontrol, "")}
    app = make_app(workspace)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(JobTable)
        await pilot.pause()
        table.move_cursor(table.model.index[("alpha", job_id)])
        await pilot.press(key)
        await pilot.pause()
        shown = app.screen
        if isinstance(shown, ForwardDialog):
            await pilot.press("escape")  # the flow waits for it
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.errors == [] and app.is_running
        return [f"{n.title}: {n.message}" for n in app._notifications], shown


async def test_the_shell_key_on_a_job_that_does_not_run_says_so_without_suspending(make_app) -> None:
    ended = ui_fakes.SCONTROL_1001.replace("JobState=RUNNING", "JobState=COMPLETED")
    notes, _screen = await key_on(make_app, "x", "1001", ended)  # the row still says RUNNING
    assert notes == ["no shell: alpha: job 1001 is COMPLETED, not running"]


async def test_the_shell_key_where_the_terminal_cannot_be_handed_over_says_so(make_app) -> None:
    notes, _screen = await key_on(make_app, "x", "1001", ui_fakes.SCONTROL_1001)
    assert notes == ["no shell: this terminal cannot be handed over (no suspend)"]


async def test_forward_and_shell_keys_on_a_row_that_does_not_run_refuse_before_any_dialog(make_app) -> None:
    forward, forward_screen = await key_on(make_app, "F", "990", state="COMPLETED")
    shell, _screen = await key_on(make_app, "x", "1004")  # pending: no scontrol answer needed
    assert forward == ["no tunnel: job 990 is COMPLETED: tunnels reach running jobs only"]
    assert not isinstance(forward_screen, ForwardDialog)
    assert shell == ["no shell: job 1004 is PENDING: shells reach running jobs only"]
