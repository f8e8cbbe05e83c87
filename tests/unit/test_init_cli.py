"""`hpctui init` without the lab: choosing hosts, refusing to overwrite, a cluster that refuses
the connection (loopback port 1: refused at once)."""

from __future__ import annotations

import io

import pytest

from hpctui.cli import main
from hpctui.config.load import load_config

SSH_CONFIG = "Host dead\n  HostName 127.0.0.1\n  Port 1\n  User nobody\nHost dead2\n  HostName 127.0.0.1\n  Port 1\n"


@pytest.fixture
def ssh_config(tmp_path):
    path = tmp_path / "ssh_config"
    path.write_text(SSH_CONFIG)
    return path


def test_an_unreachable_cluster_writes_nothing_and_exits_1(ssh_config, tmp_path, capsys):
    output = tmp_path / "out" / "config.yaml"
    argv = ["init", "--ssh-config", str(ssh_config), "--hosts", "dead", "--yes", "--output", str(output)]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "dead: FAILED: Connection refused" in out
    assert "nothing written: dead could not be asked" in out
    assert not output.exists()


def test_default_output_is_where_hpctui_looks(ssh_config, fresh_home, capsys):
    default = fresh_home / ".config" / "hpctui" / "config.yaml"
    default.parent.mkdir(parents=True)
    default.write_text("mine\n")
    assert main(["init", "--ssh-config", str(ssh_config), "--hosts", "dead", "--yes"]) == 2
    assert f"{default} exists; --force replaces it" in capsys.readouterr().err


def test_existing_file_is_kept_without_force_and_when_a_cluster_fails(ssh_config, tmp_path, capsys):
    output = tmp_path / "config.yaml"
    output.write_text("mine\n")
    argv = ["init", "--ssh-config", str(ssh_config), "--hosts", "dead", "--yes", "--output", str(output)]
    assert main(argv) == 2
    assert "exists; --force replaces it" in capsys.readouterr().err
    assert output.read_text() == "mine\n"
    assert main([*argv, "--force"]) == 1  # a config that works is never replaced by a broken one
    assert output.read_text() == "mine\n"


def test_a_name_the_resolver_does_not_know_is_said_in_words():
    import socket

    from hpctui.ssh.connect import _describe

    error = socket.gaierror(-2, "Name or service not known")
    assert _describe(error) == "cannot resolve the host name: Name or service not known"


def test_interactive_refusal_keeps_the_file(ssh_config, tmp_path, monkeypatch, capsys):
    output = tmp_path / "config.yaml"
    output.write_text("mine\n")
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert main(["init", "--ssh-config", str(ssh_config), "--output", str(output)]) == 2
    assert "left as it was" in capsys.readouterr().err
    assert output.read_text() == "mine\n"


def test_interactive_pick_asks_again_after_a_bad_answer(ssh_config, tmp_path, monkeypatch, capsys):
    output = tmp_path / "config.yaml"
    monkeypatch.setattr("sys.stdin", io.StringIO("7\n2\n"))
    assert main(["init", "--ssh-config", str(ssh_config), "--output", str(output)]) == 1
    out = capsys.readouterr().out
    assert " 1) dead   nobody@127.0.0.1:1" in out and " 2) dead2  127.0.0.1:1" in out
    assert "not a number from 1 to 2 nor a Host listed: '7'" in out
    assert "dead2: FAILED: Connection refused" in out and "dead: FAILED" not in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["init", "--yes"], "--yes needs --hosts"),
        (["init", "--ssh-config", "/nonexistent/ssh_config"], "/nonexistent/ssh_config: no such ssh config file"),
    ],
)
def test_bad_input_is_one_line(argv, message, capsys, tmp_path):
    assert main([*argv, "--output", str(tmp_path / "c.yaml")]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "c.yaml").exists()


@pytest.fixture
def reachable(monkeypatch):
    """Every host answers (with no partitions): for what init does after a good survey."""
    from hpctui.config.draft import ClusterDraft

    async def survey(hosts, ssh_config, prompter):
        return [ClusterDraft(h.alias, h.alias, "somewhere", ssh_config=str(ssh_config)) for h in hosts]

    monkeypatch.setattr("hpctui.services.onboarding.survey", survey)


def test_relative_ssh_config_is_written_absolute(ssh_config, tmp_path, monkeypatch, reachable):
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "config.yaml"
    assert main(["init", "--ssh-config", "ssh_config", "--hosts", "dead", "--yes", "--output", str(output)]) == 0
    assert load_config(output).cluster("dead").ssh.ssh_config == str(ssh_config)


def test_unwritable_output_is_one_line_and_leaves_nothing(ssh_config, tmp_path, capsys, reachable):
    (tmp_path / "afile").write_text("")
    output = tmp_path / "afile" / "config.yaml"
    assert main(["init", "--ssh-config", str(ssh_config), "--hosts", "dead", "--yes", "--output", str(output)]) == 2
    err = capsys.readouterr().err
    assert f"cannot write {output}: " in err and err.count("\n") == 1
