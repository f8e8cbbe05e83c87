"""The one registry of key binding ids: what the config's ``keymap`` may rebind.

Every binding of the UI has one of these ids (a test checks both ways), so the keymap is
validated here, with the file position of a wrong id, without importing the UI. One id may name
bindings of several views when they mean the same thing to the user (``back``, ``refresh``).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from yaml.nodes import MappingNode, Node

from hpctui.config.keynames import character_key, key_problem
from hpctui.config.schema import entries, fail, text_pairs

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
    "why_waiting": "priority, rank and fair-share of a pending job (sprio, sshare)",
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
    # inside a job: tunnels, shells, allocations
    "forward": "forward a local port to the job (tunnel)", "shell": "a shell in the job",
    "allocate": "a shell in a new allocation (salloc)", "tunnels": "the tunnels",
    "tunnel_test": "test the tunnel", "tunnel_close": "close the tunnel",
}  # fmt: skip


def unknown_binding_id(binding_id: str) -> str | None:
    """What is wrong with a keymap entry's id, or None when it names a binding."""
    if binding_id in BINDING_IDS:
        return None
    close = difflib.get_close_matches(binding_id, BINDING_IDS, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "the help (?) lists every binding id"
    return f"unknown binding id {binding_id!r}; {hint}"


# The default keys of every view, by binding id: what a keymap entry may collide with. The
# bindings of the app itself (``EVERYWHERE``) are active in every view. A test checks these
# tables against the UI's bindings both ways.
EVERYWHERE = {"help": "question_mark", "quit": "q", "audit": "a", "notifications": "N", "tunnels": "T"}
_TABLE = {"down": "j", "up": "k", "first": "home,g", "last": "end,G"}
_CLOSE = {"back": "escape", "close_view": "q"}
_JOB = {
    "cancel": "c", "requeue": "R", "hold": "H", "release": "U", "resubmit": "s", "log": "l",
    "log_stderr": "e", "postmortem": "p", "forward": "F", "shell": "x", "allocate": "A",
}  # fmt: skip
VIEW_KEYS: dict[str, dict[str, str]] = {
    "queue": {
        "next_tab": "],tab", "previous_tab": "[,shift+tab", **{f"tab_{n}": str(n) for n in range(1, 10)},
        "overview": "0", "details": "enter", "filter": "slash", "back": "escape", "refresh": "r",
        "reconnect": "ctrl+r", **_JOB, "down": "j,down", "up": "k,up", "page_down": "pagedown",
        "page_up": "pageup", "first": "home,g", "last": "end,G", "select": "space", "sort": "o", "sort_reverse": "O",
        "expand": "right", "collapse": "left",
    },
    "job details": {**_CLOSE, "refresh": "r", "checkpoint": "m", "why_waiting": "w", **_JOB},
    "log": {
        **_CLOSE, "log_toggle_stream": "e", "log_search": "slash", "log_next": "n", "log_previous": "N",
        "log_chart": "m", "log_background": "b", "log_switch": "tab", "log_switch_back": "shift+tab",
        "up": "up,k", "down": "down,j", "left": "left,h", "right": "right,l", "page_up": "pageup",
        "page_down": "pagedown,space", "first": "home,g", "log_follow": "end,G",
    },
    "post-mortem": {
        **_CLOSE, **_TABLE, "details": "enter", "refresh": "r", "log": "l", "log_stderr": "e", "resubmit": "s",
        "days_more": "plus", "days_fewer": "minus", "failures_only": "f",
    },
    "audit": {**_CLOSE, **_TABLE, "refresh": "r"},
    "resubmit": {**_CLOSE, "submit": "ctrl+s", "apply_suggestion": "ctrl+t"},
    "help": {"close_help": "escape,q,question_mark", **_TABLE},
    "confirm": {
        "confirm_yes": "y", "confirm_no": "n", "back": "escape", "down": "down,j", "up": "up,k",
        "page_down": "pagedown", "page_up": "pageup",
    },
    "notifications": {**_CLOSE, **_TABLE, "details": "enter"},
    "tunnels": {**_CLOSE, **_TABLE, "tunnel_test": "t", "tunnel_close": "d", "refresh": "r"},
    "forward": {"back": "escape"},
    "allocate": {"back": "escape"},
    "host key": {"reject_host_key": "escape"},
    "prompt": {"abort_prompt": "escape"},
}  # fmt: skip


def keymap_conflict(keymap: Mapping[str, str]) -> tuple[str, str] | None:
    """The first keymap entry whose key another binding of the same view has as well: (its id,
    what is wrong). Only a collision the keymap makes counts: the views' own keys override the
    app's on purpose (``q`` closes a view, and quits only from the main screen)."""
    for binding_id, keys in keymap.items():
        for view, defaults in VIEW_KEYS.items():
            scope = {**EVERYWHERE, **defaults}
            if binding_id not in scope:
                continue
            effective = {other: _keys(keymap.get(other, default)) for other, default in scope.items()}
            for key in _keys(keys):
                others = [other for other, taken in effective.items() if other != binding_id and key in taken]
                if others:
                    where = (
                        "everywhere" if others[0] in EVERYWHERE and others[0] not in defaults else f"in the {view} view"
                    )
                    return binding_id, (
                        f"{binding_id}: key {key!r} is already bound to {others[0]!r} {where}: "
                        f"one key, one binding (give {others[0]!r} another key too, or pick a free one)"
                    )
    return None


def _keys(keys: str) -> set[str]:
    """The keys of a binding as Textual names them (``?`` is ``question_mark``)."""
    named = (key.strip() for key in keys.split(","))
    return {character_key(key) if len(key) == 1 and not key.isalnum() else key for key in named if key}


def validate_keymap(node: Node, where: str) -> tuple[tuple[str, str], ...]:
    """The config's ``keymap``: known binding ids, key names a keyboard can send, and no key
    given two bindings of one view (the error sits at the value that is wrong)."""
    pairs: tuple[tuple[str, str], ...] = text_pairs(unknown_binding_id)(node, where)
    problem = _key_name_problem(pairs) or keymap_conflict(dict(pairs))
    if problem is not None and isinstance(node, MappingNode):
        binding_id, what = problem
        value = next(value for key, value in entries(node, where) if key.value == binding_id)
        fail(value, where, what)
    return pairs


def _key_name_problem(pairs: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
    """The first entry naming a key no keyboard can send: (its id, what is wrong)."""
    for binding_id, keys in pairs:
        given = [key.strip() for key in keys.split(",") if key.strip()]
        if not given:
            return binding_id, f"{binding_id}: no key given"
        for key in given:
            problem = key_problem(key)
            if problem is not None:
                return binding_id, f"{binding_id}: {problem}"
    return None
