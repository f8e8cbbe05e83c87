"""Background work that never takes the app down.

Screens start their workers with ``run_guarded``: a worker that raises ends by posting
``WorkerFailed`` (it bubbles to the app, which logs the traceback to hpctui's log file and shows
one line), instead of Textual's default of exiting with a traceback.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker

T = TypeVar("T")


class WorkerFailed(Message):
    """A guarded worker raised; ``error`` is what it raised."""

    def __init__(self, what: str, error: BaseException) -> None:
        super().__init__()
        self.what = what
        self.error = error


async def _guarded(node: DOMNode, what: str, work: Awaitable[T]) -> T | None:
    try:
        return await work
    except Exception as error:
        target = node if node.is_attached else node.app
        target.post_message(WorkerFailed(what, error))
        return None


def run_guarded(node: DOMNode, work: Awaitable[T], what: str, **options: Any) -> Worker[T | None]:
    """``node.run_worker(work)`` whose failure becomes a ``WorkerFailed`` message; ``what`` names
    the work in the message the user sees ("post-mortem", "job details")."""
    options.setdefault("name", what)
    return node.run_worker(_guarded(node, what, work), exit_on_error=False, **options)
