"""The one registry of key binding ids: what the config's ``keymap`` may rebind.

Every binding of the UI has one of these ids (a test checks both ways), so the keymap is
validated here, with the file position of a wrong id, without importing the UI. One id may name
bindings of several views when they mean the same thing to the user (``back``, ``refresh``).
"""

from __future__ import annotations

import difflib

BINDING_IDS: dict[str, str] = {
    # everywhere
    "help": "help for the current view",
    "quit": "quit hpctui",
    "audit": "the audit log",
    "notifications": "the notifications of this session",
    "back": "close the view or dialog, clear the filter",
    "refresh": "refresh now",
    # moving
    "up": "up", "down": "down", "left": "scroll left", "right": "scroll right",
    "page_up": "page up", "page_down": "page down", "first": "first line or job", "last": "last job",
    # tabs
    "next_tab": "next tab", "previous_tab": "previous tab", "overview": "the overview tab",
    **{f"tab_{n}": f"tab {n}" for n in range(1, 10)},
    # the queue
    "details": "job details", "filter": "filter the jobs", "select": "mark a job",
    "sort": "sort by the next column", "sort_reverse": "reverse the sort", "reconnect": "connect again now",
    "expand": "show an array's tasks (enter on an array row toggles)", "collapse": "fold an array's tasks into its row",
    # job actions
    "cancel": "cancel", "requeue": "requeue", "hold": "hold", "release": "release", "resubmit": "resubmit",
    "log": "stdout log", "log_stderr": "stderr log", "postmortem": "post-mortem (sacct)", "checkpoint": "read the checkpoint",
    # the log view
    "log_follow": "follow the end", "close_view": "close a sub-view (q, as in less and k9s)", "log_toggle_stream": "stdout / stderr", "log_search": "search",
    "log_next": "next match", "log_previous": "previous match", "log_chart": "metrics chart",
    "log_background": "keep following in the background", "log_switch": "next open log", "log_switch_back": "previous open log",
    # post-mortem
    "days_more": "one day more", "days_fewer": "one day fewer", "failures_only": "failures only",
    # resubmit
    "submit": "submit", "apply_suggestion": "apply the suggested time or memory",
    # dialogs
    "confirm_yes": "yes, run", "confirm_no": "no", "close_help": "close help",
    "reject_host_key": "reject the host key", "abort_prompt": "abort the prompt",
}  # fmt: skip


def unknown_binding_id(binding_id: str) -> str | None:
    """What is wrong with a keymap entry's id, or None when it names a binding."""
    if binding_id in BINDING_IDS:
        return None
    close = difflib.get_close_matches(binding_id, BINDING_IDS, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "the help (?) lists every binding id"
    return f"unknown binding id {binding_id!r}; {hint}"
