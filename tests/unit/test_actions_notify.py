"""The TUI's outcome notifications: a record that could not be written is a warning shown after
the outcomes, never instead of them."""

from __future__ import annotations

from typing import Any

from hpctui.services.actions import Outcome, plan_action
from hpctui.ui.flows import notify_outcomes


class Notes:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def notify(self, message: str, *, title: str = "", severity: str = "information", **_: Any) -> None:
        self.shown.append((severity, title))


def test_audit_warning_comes_after_the_outcomes() -> None:
    plan = plan_action("cancel", ["5", "6"])
    outcomes = [
        Outcome(plan.commands[0], True, "done", warning="audit log not written ([Errno 28] No space left on device)"),
        Outcome(plan.commands[1], False, "Invalid job id specified", exit_status=1),
    ]
    app = Notes()
    notify_outcomes(app, "alpha", plan, outcomes)  # type: ignore[arg-type]
    assert app.shown == [
        ("information", "cancel: done"),
        ("error", "cancel refused on alpha"),
        ("warning", "not recorded"),
    ]
