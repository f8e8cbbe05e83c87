"""Snapshot tests of the main screens on deterministic data at a fixed clock.

Update after an intended change with ``pytest tests/ui/test_snapshots.py --snapshot-update``
and look at the SVGs in ``__snapshots__/`` before committing them.
"""

from __future__ import annotations

from ui_fakes import ALPHA_PURGE, details_1001, purge_answer

from hpctui.ui.dialogs.host_key import HostKeyDialog
from hpctui.ui.dialogs.secret import SecretDialog

SIZE = (160, 40)


def test_cluster_tab(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE)


def test_cluster_tab_backing_off_with_a_drained_node(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, press=["2"])


def test_cluster_tab_marks_filter_and_light_theme(snap_compare, make_app) -> None:
    app = make_app(theme="hpctui-light")
    assert snap_compare(app, terminal_size=SIZE, press=["space", "j", "space", "o", "slash", "s", "w"])


def test_overview(snap_compare, make_app) -> None:
    """With the "Where to run" ranking and alpha's purge badge."""
    app = make_app(alpha_purge=ALPHA_PURGE)
    answer = purge_answer(
        {"/scratch/hpcuser/old-run/ckpt.pt": (100.0, 3 * 1024**3), "/scratch/hpcuser/old-run/log.txt": (95.0, 1024)}
    )
    app.workspace.session("alpha").link.answers[answer.command] = answer

    async def check_purge(pilot) -> None:
        await pilot.app.purge_watches["alpha"].check()

    assert snap_compare(app, terminal_size=SIZE, press=["0"], run_before=check_purge)


def test_job_details(snap_compare, make_app) -> None:
    app = make_app()
    app.workspace.session("alpha").details["1001"] = details_1001()
    assert snap_compare(app, terminal_size=SIZE, press=["enter"])


def test_help(snap_compare, make_app) -> None:
    assert snap_compare(make_app(), terminal_size=(160, 60), press=["question_mark"])


def test_host_key_dialog(snap_compare, make_app) -> None:
    async def ask(pilot) -> None:
        pilot.app.push_screen(
            HostKeyDialog(
                "beta", "login.beta.example", "ssh-ed25519", "SHA256:q4C1yH0oHjS8bEuUxd4gWZ4l1xk0mdNbN0SmaXz2JDc"
            )
        )

    assert snap_compare(make_app(theme="hpctui-contrast"), terminal_size=SIZE, run_before=ask)


def test_code_prompt(snap_compare, make_app) -> None:
    async def ask(pilot) -> None:
        pilot.app.push_screen(SecretDialog("alpha: the server asks", "Verification code: "))
        await pilot.pause()
        await pilot.press(*"1234")

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=ask)
