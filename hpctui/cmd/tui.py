"""``hpctui`` without a subcommand: the terminal UI.

Everything that can be wrong in the config or the arguments is raised as a one-line
UserError here, before the app takes over the terminal.

To get data on screen soon, the SSH layer is imported in a thread while the config is read,
the clusters start connecting (and polling) first, and Textual is imported in a thread
meanwhile: the SSH handshakes and the first polls mostly wait on the network, the import
mostly on the CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import importlib
import threading
from collections.abc import Callable, Coroutine
from types import ModuleType
from typing import TYPE_CHECKING, TypeVar

from hpctui.ssh.types import HostKeyDecision

if TYPE_CHECKING:
    from hpctui.config.model import Config
    from hpctui.ui.app import HpcApp
    from hpctui.ui.prompter import UiPrompter

T = TypeVar("T")


def run(args: argparse.Namespace) -> int:
    # The imports and the first frame make some 300k objects and almost no garbage: a
    # collector walking them again and again costs ~0.1 s of the start. It is off until the
    # first frame is on screen and all of it is frozen (import_app, then the app's on_ready).
    gc.disable()
    try:
        # asyncssh's import waits on subprocesses (ctypes' search for liboqs): let it wait while
        # the config is read. The import lock makes the later `import` wait for this one.
        threading.Thread(target=importlib.import_module, args=("hpctui.services.cluster",), daemon=True).start()
        from hpctui.config.load import load_config
        from hpctui.services.applog import start_file_log
        from hpctui.ui.themes import check_theme

        config = load_config(args.config)
        start_file_log()
        config = dataclasses.replace(config, theme=check_theme(args.theme or config.theme))
        return asyncio.run(_run(config))
    finally:
        gc.enable()


async def _run(config: Config) -> int:
    from hpctui.services.cluster import Workspace

    prompter = WaitingPrompter()
    async with Workspace(config, prompter) as workspace:  # the Workspace's one owner
        app_module = await asyncio.to_thread(import_app)
        app: HpcApp = app_module.HpcApp(config, workspace)
        prompter.bind(app)
        collecting = asyncio.create_task(_collect_once_shown(app))
        try:
            await app.run_async()
        finally:
            collecting.cancel()
    return app.return_code or 0


async def _collect_once_shown(app: HpcApp) -> None:
    """The collector back on once the first frame is on screen and the app has frozen what
    it built (``HpcApp.on_ready``)."""
    await app.shown.wait()
    gc.enable()


def import_app() -> ModuleType:
    """The app's module, with everything imported so far frozen out of the garbage
    collector's reach: modules, classes and functions live as long as the process, and every
    full collection while the app builds its first frame would walk them all again (about
    100 ms to the first data; the app freezes what it built once that frame is on screen)."""
    module = importlib.import_module("hpctui.ui.app")
    gc.freeze()
    return module


class WaitingPrompter:
    """The links' prompter while the UI loads: a question (host key, passphrase, code) waits
    until the app's first frame is on screen, then is asked there by ``UiPrompter``, from
    the app's own context (a dialog's tasks need to know their app; the links' tasks were
    started before it existed)."""

    def __init__(self) -> None:
        self._bound: asyncio.Future[tuple[HpcApp, UiPrompter]] = asyncio.get_running_loop().create_future()

    def bind(self, app: HpcApp) -> None:
        from hpctui.ui.prompter import UiPrompter

        ui = UiPrompter()
        ui.bind(app)
        self._bound.set_result((app, ui))

    async def _ask(self, question: Callable[[UiPrompter], Coroutine[object, object, T]]) -> T:
        app, ui = await self._bound
        await app.shown.wait()
        started: asyncio.Future[asyncio.Task[T]] = asyncio.get_running_loop().create_future()
        app.call_later(lambda: started.set_result(asyncio.create_task(question(ui))))
        return await (await started)

    async def unknown_host_key(self, cluster: str, host: str, key_type: str, fingerprint: str) -> HostKeyDecision:
        return await self._ask(lambda ui: ui.unknown_host_key(cluster, host, key_type, fingerprint))

    async def ask(self, cluster: str, prompt: str, echo: bool) -> str | None:
        return await self._ask(lambda ui: ui.ask(cluster, prompt, echo))

    async def passphrase(self, cluster: str, key_path: str) -> str | None:
        return await self._ask(lambda ui: ui.passphrase(cluster, key_path))
