"""Getting inside a job, the pure parts: the shell and salloc commands, the node a tunnel goes
to, the tunnel ports of the config."""

from __future__ import annotations

import shlex

import pytest

from hpctui.config.load import ConfigError, load_config
from hpctui.errors import UserError
from hpctui.slurm.interactive import job_node, job_shell_command, node_command, node_field, salloc_command

NODE_LINE = (
    "NodeName=a1 Arch=x86_64 CoresPerSocket=8  CPUAlloc=0 Gres=gpu:mi250x:8 NodeAddr=10.1.2.3 "
    "NodeHostName=vm Port=28611 Version=22.05.8 OS=Linux 6.1 #1 SMP  RealMemory=8192"
)


def test_the_job_shell_is_srun_overlap_pty_of_the_login_shell():
    assert job_shell_command("123") == 'srun --jobid=123 --overlap --pty "${SHELL:-/bin/sh}"'
    assert job_shell_command(" 12_3 ").startswith("srun --jobid=12_3 ")


@pytest.mark.parametrize("bad", ["", "12;rm -rf ~", "12 13", "$(id)", "12_[1-3]"])
def test_the_job_shell_refuses_what_is_not_one_job_id(bad):
    with pytest.raises(UserError):
        job_shell_command(bad)


def test_salloc_runs_the_shell_on_the_compute_node_with_quoted_parts():
    command = salloc_command("gpu", "1:00:00", 2)
    assert shlex.split(command)[:5] == ["salloc", "--partition=gpu", "--time=1:00:00", "--gres=gpu:2", "srun"]
    assert command.endswith('srun --overlap --pty "${SHELL:-/bin/sh}"')
    assert "--gres" not in salloc_command("cpu", "30")


@pytest.mark.parametrize(
    ("partition", "time", "gpus", "fragment"),
    [
        ("gpu;id", "10", 0, "not a partition name"),
        ("gpu", "1 hour", 0, "not a Slurm time limit"),
        ("gpu", "$(id)", 0, "not a Slurm time limit"),
        ("gpu", "UNLIMITED", 0, "not a Slurm time limit"),
        ("gpu", "\u0661\u0662", 0, "not a Slurm time limit"),  # digits, but not ASCII ones
        ("gpu", "10", -1, "GPUs must be"),
        ("gpu", "10", 65, "GPUs must be"),
        ("gpu", "10", True, "GPUs must be"),
    ],
)
def test_salloc_refuses_bad_fields_in_one_line(partition, time, gpus, fragment):
    with pytest.raises(UserError, match=fragment):
        salloc_command(partition, time, gpus)


@pytest.mark.parametrize("time", ["30", "1:30", "2:00:00", "1-00", "1-12:00", "2-00:00:00"])
def test_salloc_takes_every_slurm_time_format(time):
    assert f"--time={time}" in salloc_command("gpu", time)


def test_the_tunnel_goes_to_the_node_address_or_its_name():
    assert node_field(NODE_LINE, "NodeAddr", "a1") == "10.1.2.3"
    assert node_field("NodeName=a1 Arch=x86_64", "NodeAddr", "a1") == "a1"
    assert node_command("a1").endswith("scontrol --oneliner show node a1")
    with pytest.raises(UserError):
        node_command("a1;id")


def test_the_job_node_is_the_batch_host_else_the_first_of_the_node_list():
    assert job_node({"BatchHost": "t006-009", "NodeList": "t006-[007,009]"}) == "t006-009"
    assert job_node({"BatchHost": "(null)", "NodeList": "t006-[007,009]"}) == "t006-007"
    assert job_node({"NodeList": "(null)"}) == ""


def test_tunnel_ports_default_to_tensorboard_and_jupyter_and_are_configurable(tmp_path):
    base = "clusters:\n  - name: a\n    ssh: {host: h}\n"
    (tmp_path / "default.yaml").write_text(base)
    (tmp_path / "mine.yaml").write_text(base + "tunnel_ports: [8265, 5678]\n")
    assert load_config(tmp_path / "default.yaml").tunnel_ports == (6006, 8888)
    assert load_config(tmp_path / "mine.yaml").tunnel_ports == (8265, 5678)


def test_a_bad_tunnel_port_points_at_its_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("clusters:\n  - name: a\n    ssh: {host: h}\ntunnel_ports: [6006, 70000]\n")
    with pytest.raises(ConfigError, match=r"bad.yaml:4:.*65535"):
        load_config(path)


def test_the_granted_line_is_seen_even_when_split_across_two_reads():
    from hpctui.services.shell import GRANTED, _Marker

    split, never = _Marker(GRANTED), _Marker(GRANTED)
    for chunk in (b"salloc: Pending job allocation 7\r\nsalloc: Granted jo", b"b allocation 7\r\n$ "):
        split.feed(chunk)
    never.feed(b"salloc: Job allocation 7 has been revoked.\r\n")
    assert (split.seen, never.seen) == (True, False)
