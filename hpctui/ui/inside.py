"""Getting inside a job from the TUI: a tunnel to one of its ports, a shell in it, or a shell
in a new allocation. Each runs in a worker (the dialogs wait for the user).

The shells suspend the TUI (``App.suspend()``: the terminal as it was before hpctui started)
and give the terminal to the remote pty over the cluster's one connection; the TUI comes back
as it was when the shell ends. While suspended nothing is drawn (``batch_update``): the
driver's writer is stopped, and a frame queued behind it would block the app's loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import SuspendNotSupported

from hpctui.errors import UserError
from hpctui.services.jobnode import running_node
from hpctui.services.shell import LocalTerminal, run_in_terminal
from hpctui.services.shell import allocation_shell as salloc_shell
from hpctui.slurm.errors import SlurmProblem
from hpctui.slurm.interactive import job_shell_command
from hpctui.ssh.types import LinkError
from hpctui.ui.dialogs.allocate import AllocateDialog
from hpctui.ui.dialogs.forward import ForwardDialog
from hpctui.visible import visible

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from textual.app import App

    from hpctui.services.cluster import ClusterSession
    from hpctui.ssh.link import ClusterLink

    TerminalRun = Callable[[ClusterLink, str, LocalTerminal], Awaitable[int]]

ERROR_TIMEOUT_S = 15.0
EXPECTED = (UserError, LinkError, SlurmProblem)  # told in one line, not a failure of hpctui


def _refused(app: App[Any], title: str, error: Exception) -> None:
    app.notify(visible(str(error)), title=title, severity="error", timeout=ERROR_TIMEOUT_S, markup=False)


async def open_tunnel(app: App[Any], session: ClusterSession, job_id: str, ports: tuple[int, ...]) -> None:
    """Ask which port, open the tunnel, show its URL (the Tunnels view lists it)."""
    title = f"Forward a local port to job {job_id} on {session.name}"
    choice = await app.push_screen_wait(ForwardDialog(title, ports))
    if choice is None:
        return
    try:
        tunnel = await session.tunnels.open(job_id, choice.remote, choice.local)
    except EXPECTED as exc:
        _refused(app, "no tunnel", exc)
        return
    app.notify(
        f"{tunnel.url}  ->  {tunnel.destination} (job {job_id})\nT lists the tunnels",
        title="tunnel open",
        timeout=ERROR_TIMEOUT_S,
        markup=False,
    )


async def job_shell(app: App[Any], session: ClusterSession, job_id: str) -> None:
    """A shell in a running job (told, without suspending, when it does not run)."""
    try:
        await running_node(session.link, job_id)
    except EXPECTED as exc:
        _refused(app, "no shell", exc)
        return
    await shell(app, session, job_shell_command(job_id), f"job {job_id} on {session.name}")


async def allocation_shell(app: App[Any], session: ClusterSession) -> None:
    command = await app.push_screen_wait(AllocateDialog(session.cluster))
    if command is not None:
        await shell(app, session, command, f"a new allocation on {session.name}", run=salloc_shell)


async def shell(
    app: App[Any], session: ClusterSession, command: str, where: str, run: TerminalRun = run_in_terminal
) -> None:
    """Suspend the TUI, ``run`` ``command`` on a remote pty in the user's terminal, come back."""
    try:
        with app.batch_update(), app.suspend():
            outcome = await _in_terminal(session, command, where, run)
    except SuspendNotSupported:
        _refused(app, "no shell", UserError("this terminal cannot be handed over (no suspend)"))
        return
    if isinstance(outcome, EXPECTED):
        _refused(app, "shell ended", outcome)
    elif isinstance(outcome, Exception):
        raise outcome
    else:
        app.notify(f"the shell in {where} ended (exit status {outcome})", title="back in hpctui", markup=False)


async def _in_terminal(session: ClusterSession, command: str, where: str, run: TerminalRun) -> int | Exception:
    """The shell's exit status, or what went wrong: nothing may escape ``App.suspend()``, which
    resumes the TUI only when its block ends normally."""
    terminal = LocalTerminal()
    try:
        terminal.write(f"hpctui: a shell in {where}; leave it (exit) to come back\r\n".encode())
        return await run(session.link, command, terminal)
    except Exception as exc:
        return exc
