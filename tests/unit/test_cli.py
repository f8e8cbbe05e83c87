"""The top-level CLI: commands register lazily, errors are one line with exit 2."""

from __future__ import annotations

import pytest

from hpctui import cli


def test_a_bare_hpctui_imports_no_subcommand_module():
    assert cli._modules_needed([]) == []
    assert cli._modules_needed(["--config", "status", "--theme", "hpctui-light"]) == []


def test_a_command_imports_only_its_module():
    assert cli._modules_needed(["--config", "x.yaml", "cancel", "alpha", "12"]) == ["actions"]
    assert cli._modules_needed(["purge-check"]) == ["purge"]


def test_help_and_unknown_commands_see_every_command(capsys):
    assert set(cli._modules_needed(["--help"])) == set(cli.COMMANDS.values())
    with pytest.raises(SystemExit) as exit_:
        cli.main(["frobnicate"])
    assert exit_.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_every_command_is_registered_by_its_module():
    parser = cli.build_parser(["--help"])
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert set(commands) == set(cli.COMMANDS)


def test_user_errors_are_one_line_exit_2(capsys, tmp_path):
    assert cli.main(["status", "--config", str(tmp_path / "missing.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.yaml" in err and "Traceback" not in err


def test_audit_on_an_empty_log_says_so(capsys):
    from hpctui.cli import main

    assert main(["audit"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.startswith("no actions recorded yet (log: ") and out.count("\n") == 1


def test_status_of_a_host_nobody_knows_names_it_and_the_likely_cause(capsys, tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("clusters:\n  - name: x\n    ssh: {alias: nohost-typo.invalid}\n")
    assert cli.main(["status", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "x: FAILED: " in out and "cannot resolve the host name: " in out
    assert "('nohost-typo.invalid': a typo, or no Host entry in the ssh config?)" in out
