"""A keymap that gives one key to two bindings of the same view is a config error at the value,
naming both ids (``cancel: r`` used to turn ``r`` into cancel and drop Refresh from the footer)."""

from __future__ import annotations

import pytest

from hpctui.config.keymap import EVERYWHERE, VIEW_KEYS
from hpctui.config.load import ConfigError, parse_config

CLUSTERS = "clusters:\n  - {name: a, ssh: {alias: a}}\n"


def test_a_key_given_to_two_bindings_of_one_view_is_refused_at_its_position() -> None:
    text = f"keymap:\n  hold: z\n  cancel: r\n{CLUSTERS}"
    with pytest.raises(ConfigError) as error:
        parse_config(text, "cfg.yaml")
    assert str(error.value).startswith("cfg.yaml:3:11: keymap: cancel: key 'r' is already bound to 'refresh' in the ")
    assert "'refresh'" in str(error.value) and "cancel" in str(error.value)


def test_swapping_two_keys_and_rebinding_the_one_in_the_way_are_fine() -> None:
    swapped = parse_config(f"keymap:\n  cancel: r\n  refresh: c\n{CLUSTERS}", "cfg.yaml")
    assert swapped.keymap == (("cancel", "r"), ("refresh", "c"))
    assert parse_config(f"keymap:\n  close_view: z\n{CLUSTERS}", "cfg.yaml").keymap == (("close_view", "z"),)


def test_an_app_key_taken_in_a_view_is_refused() -> None:
    with pytest.raises(
        ConfigError, match=r"^cfg.yaml:2:9: keymap: help: key 'h' is already bound to 'left' in the log view"
    ):
        parse_config(f"keymap:\n  help: h\n{CLUSTERS}", "cfg.yaml")


def test_two_entries_on_one_key_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"^cfg.yaml:2:9: keymap: hold: key 'z' is already bound to 'release'"):
        parse_config(f"keymap:\n  hold: z\n  release: y,z\n{CLUSTERS}", "cfg.yaml")


def _bindings(*classes: type) -> dict[str, str]:
    return {b.id: b.key for cls in classes for b in cls.__dict__["BINDINGS"]}


def test_the_view_tables_are_the_ui_bindings() -> None:
    from hpctui.ui.app import HpcApp, MainScreen
    from hpctui.ui.dialogs.allocate import AllocateDialog
    from hpctui.ui.dialogs.confirm import ConfirmDialog
    from hpctui.ui.dialogs.forward import ForwardDialog
    from hpctui.ui.dialogs.host_key import HostKeyDialog
    from hpctui.ui.dialogs.secret import SecretDialog
    from hpctui.ui.screens.audit import AuditScreen
    from hpctui.ui.screens.details import JobDetailsScreen
    from hpctui.ui.screens.help import HelpScreen
    from hpctui.ui.screens.log import LogScreen
    from hpctui.ui.screens.notifications import NotificationsScreen
    from hpctui.ui.screens.postmortem import PostMortemScreen
    from hpctui.ui.screens.resubmit import ResubmitScreen
    from hpctui.ui.screens.tunnels import TunnelsScreen
    from hpctui.ui.tabs.queue_pane import QueuePane
    from hpctui.ui.widgets.job_table import JobTable
    from hpctui.ui.widgets.log_view import LogView

    views = {
        "queue": (MainScreen, QueuePane, JobTable), "job details": (JobDetailsScreen,), "log": (LogScreen, LogView),
        "post-mortem": (PostMortemScreen,), "audit": (AuditScreen,), "resubmit": (ResubmitScreen,),
        "help": (HelpScreen,), "confirm": (ConfirmDialog,), "host key": (HostKeyDialog,), "prompt": (SecretDialog,),
        "notifications": (NotificationsScreen,), "tunnels": (TunnelsScreen,), "forward": (ForwardDialog,),
        "allocate": (AllocateDialog,),
    }  # fmt: skip
    assert {view: _bindings(*classes) for view, classes in views.items()} == VIEW_KEYS
    assert _bindings(HpcApp) == EVERYWHERE
