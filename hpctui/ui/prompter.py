"""The SSH layer's Prompter for the TUI: each question is a modal; the link that asks waits
on a future while the event loop, and so every other cluster, keeps running.

Questions are asked one at a time, so two clusters wanting a code at once get two dialogs
in turn, each titled with its cluster.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

from textual.app import App
from textual.screen import Screen

from hpctui.ssh.types import HostKeyDecision
from hpctui.ui.dialogs.host_key import HostKeyDialog
from hpctui.ui.dialogs.secret import SecretDialog

T = TypeVar("T")


class UiPrompter:
    def __init__(self) -> None:
        self._app: App[Any] | None = None
        self._turn = asyncio.Lock()

    def bind(self, app: App[Any]) -> None:
        self._app = app

    async def _show(self, screen: Screen[T]) -> T | None:
        if self._app is None:
            raise RuntimeError("UiPrompter used before an app was bound")
        async with self._turn:
            answer: asyncio.Future[T | None] = asyncio.get_running_loop().create_future()

            def settle(result: T | None) -> None:
                if not answer.done():
                    answer.set_result(result)

            self._app.push_screen(screen, callback=settle)
            return await answer

    async def unknown_host_key(self, cluster: str, host: str, key_type: str, fingerprint: str) -> HostKeyDecision:
        decision = await self._show(HostKeyDialog(cluster, host, key_type, fingerprint))
        return decision or HostKeyDecision.REJECT

    async def ask(self, cluster: str, prompt: str, echo: bool) -> str | None:
        return await self._show(SecretDialog(f"{cluster}: the server asks", prompt, echo=echo))

    async def passphrase(self, cluster: str, key_path: str) -> str | None:
        return await self._show(SecretDialog(f"{cluster}: key passphrase", f"Passphrase for {key_path}"))
