"""UiPrompter: the SSH layer's questions as modals, answered while the rest keeps running."""

from __future__ import annotations

import asyncio

from textual.widgets import Input
from ui_fakes import alpha_jobs, snapshot, without
from waiting import wait_for

from hpctui.ssh.types import HostKeyDecision
from hpctui.ui.app import MainScreen
from hpctui.ui.dialogs.host_key import HostKeyDialog
from hpctui.ui.dialogs.secret import SecretDialog
from hpctui.ui.prompter import UiPrompter
from hpctui.ui.widgets.job_table import JobTable

FINGERPRINT = "SHA256:q4C1yH0oHjS8bEuUxd4gWZ4l1xk0mdNbN0SmaXz2JDc"


async def ask_host_key(make_app, keys: tuple[str, ...] = (), click: str | None = None) -> tuple[HostKeyDecision, list]:
    app = make_app()
    prompter = UiPrompter()
    prompter.bind(app)
    async with app.run_test(size=(120, 30)) as pilot:
        task = asyncio.create_task(
            prompter.unknown_host_key("alpha", "login.alpha.example", "ssh-ed25519", FINGERPRINT)
        )
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, HostKeyDialog)
        seen = [app.focused.id, FINGERPRINT in "".join(str(w.render()) for w in dialog.query("Static"))]
        if click:
            await pilot.click(f"#{click}")
        await pilot.press(*keys)
        decision = await asyncio.wait_for(task, 5)
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    return decision, seen


async def test_host_key_shows_the_fingerprint_and_a_stray_enter_rejects(make_app) -> None:
    decision, (focused, shown) = await ask_host_key(make_app, ("enter",))
    assert focused == "reject" and shown
    assert decision is HostKeyDecision.REJECT


async def test_host_key_escape_rejects(make_app) -> None:
    decision, _ = await ask_host_key(make_app, ("escape",))
    assert decision is HostKeyDecision.REJECT


async def test_host_key_accept_once_and_accept_and_save(make_app) -> None:
    assert (await ask_host_key(make_app, click="accept-once"))[0] is HostKeyDecision.ACCEPT_ONCE
    assert (await ask_host_key(make_app, click="accept-save"))[0] is HostKeyDecision.ACCEPT_SAVE


async def test_codes_are_hidden_and_asked_one_at_a_time_while_the_queue_keeps_refreshing(make_app) -> None:
    app = make_app()
    prompter = UiPrompter()
    prompter.bind(app)
    alpha = app.workspace.session("alpha")
    async with app.run_test(size=(120, 30)) as pilot:
        first = asyncio.create_task(prompter.ask("beta", "Verification code: ", False))
        second = asyncio.create_task(prompter.passphrase("alpha", "~/.ssh/id_ed25519"))
        await pilot.pause()
        assert isinstance(app.screen, SecretDialog)
        assert len(app.screen_stack) == 2  # the second question waits its turn
        assert app.screen.query_one(Input).password

        alpha.poller.set(without(snapshot("alpha", alpha_jobs()), "1001"))
        await pilot.pause()
        table = app.main.query_one(JobTable)
        assert table.model.n_finished == 1  # the other cluster's data still flows

        await pilot.press(*"123456", "enter")
        assert await asyncio.wait_for(first, 5) == "123456"
        await pilot.pause()
        assert isinstance(app.screen, SecretDialog)
        assert "id_ed25519" in "".join(str(w.render()) for w in app.screen.query("Static"))
        await pilot.press("escape")
        assert await asyncio.wait_for(second, 5) is None


async def test_an_echoed_question_shows_its_answer(make_app) -> None:
    app = make_app()
    prompter = UiPrompter()
    prompter.bind(app)
    async with app.run_test(size=(120, 30)) as pilot:
        task = asyncio.create_task(prompter.ask("alpha", "Username: ", True))
        await pilot.pause()
        assert not app.screen.query_one(Input).password
        await pilot.press(*"hpcuser")
        await pilot.click("#ok")
        assert await asyncio.wait_for(task, 5) == "hpcuser"


async def test_a_question_asked_while_the_ui_loads_waits_for_the_first_frame(make_app) -> None:
    """``hpctui`` starts connecting before the app exists (hpctui.cmd.tui): a link's question
    waits, then shows as a dialog once the app is on screen."""
    from hpctui.cmd.tui import WaitingPrompter

    prompter = WaitingPrompter()
    question = asyncio.create_task(prompter.ask("alpha", "Verification code: ", False))
    await asyncio.sleep(0.1)
    assert not question.done()
    app = make_app()
    prompter.bind(app)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SecretDialog))
        await pilot.press(*"4242", "enter")
        assert await asyncio.wait_for(question, 5) == "4242"
