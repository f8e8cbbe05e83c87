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


def test_unreachable_cluster_is_written_with_the_reason_and_exit_1(ssh_config, tmp_path, capsys):
    output = tmp_path / "out" / "config.yaml"
    argv = ["init", "--ssh-config", str(ssh_config), "--hosts", "dead", "--yes", "--output", str(output)]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "dead: FAILED: Connection refused" in out
    assert f"# OK: {output} is valid (1 clusters)" in out
    text = output.read_text()
    assert "`hpctui init` found no partitions: Connection refused." in text
    cluster = load_config(output).cluster("dead")
    assert cluster.ssh.alias == "dead" and cluster.ssh.ssh_config == str(ssh_config)


def test_default_output_is_where_hpctui_looks(ssh_config, fresh_home):
    assert main(["init", "--ssh-config", str(ssh_config), "--hosts", "dead", "--yes"]) == 1
    assert load_config().source == fresh_home / ".config" / "hpctui" / "config.yaml"


def test_existing_file_is_kept_without_force(ssh_config, tmp_path, capsys):
    output = tmp_path / "config.yaml"
    output.write_text("mine\n")
    argv = ["init", "--ssh-config", str(ssh_config), "--hosts", "dead", "--yes", "--output", str(output)]
    assert main(argv) == 2
    assert "exists; --force replaces it" in capsys.readouterr().err
    assert output.read_text() == "mine\n"
    assert main([*argv, "--force"]) == 1
    assert load_config(output).cluster("dead")


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
    assert [c.name for c in load_config(output).clusters] == ["dead2"]


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


def test_relative_ssh_config_is_written_absolute(ssh_config, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    output = tmp_path / "config.yaml"
    assert main(["init", "--ssh-config", "ssh_config", "--hosts", "dead", "--yes", "--output", str(output)]) == 1
    assert load_config(output).cluster("dead").ssh.ssh_config == str(ssh_config)


def test_unwritable_output_is_one_line_and_leaves_nothing(ssh_config, tmp_path, capsys):
    (tmp_path / "afile").write_text("")
    output = tmp_path / "afile" / "config.yaml"
    assert main(["init", "--ssh-config", str(ssh_config), "--hosts", "dead", "--yes", "--output", str(output)]) == 2
    err = capsys.readouterr().err
    assert f"cannot write {output}: " in err and err.count("\n") == 1
