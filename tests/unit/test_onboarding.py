"""`hpctui init`'s pure parts: GPU memory table, Slurm inventory parsing, the ssh config's Hosts,
the commented config it writes, the host choice."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hpctui.cmd.init import parse_choice, summary
from hpctui.config.draft import ClusterDraft, cluster_name, render_draft
from hpctui.config.load import parse_config
from hpctui.errors import UserError
from hpctui.services.onboarding import discover
from hpctui.slurm.errors import SlurmError
from hpctui.slurm.gpus import vram_of
from hpctui.slurm.inventory import (
    GpuCount,
    PartitionFacts,
    PartitionInfo,
    accounts_command,
    cluster_name_command,
    describe_partitions,
    parse_accounts,
    parse_cluster_name,
    parse_partitions,
    partitions_command,
)
from hpctui.slurm.parse import parse_sinfo
from hpctui.ssh.hosts import SshHost, list_hosts, resolve_host
from hpctui.ssh.types import Result

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slurm"

# ---- GPU memory ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gres_type", "gb", "model", "sure"),
    [
        ("mi250x", 64, "mi250x", True),
        ("a100", 40, "a100", False),  # sold as 40 and 80 GB: the smaller, flagged
        ("a100_80gb", 80, "a100", True),
        ("nvidia_a100-sxm4-80gb", 80, "a100", True),
        ("a100_3g.20gb", 20, "a100", True),  # a MIG slice says its own size
        ("h100", 80, "h100", False),
        ("H100_94GB", 94, "h100", True),
        ("tesla_v100-pcie-32gb", 32, "v100", True),
        ("l40s", 48, "l40s", True),
        ("l40", 48, "l40", True),
        ("a40", 48, "a40", True),
        ("rtx_6000_ada", 48, "rtx6000ada", True),
        ("mi300x", 192, "mi300x", True),
    ],
)
def test_vram_of_known_types(gres_type, gb, model, sure):
    vram = vram_of(gres_type)
    assert vram is not None
    assert (vram.gb, vram.model, vram.sure) == (gb, model, sure)


@pytest.mark.parametrize("gres_type", ["gpu", "rtxa4000", "fancy9000", ""])
def test_vram_of_unknown_types_is_none(gres_type):
    # "rtxa4000" holds "a40" inside a word: not an A40
    assert vram_of(gres_type) is None


# ---- Slurm inventory ----------------------------------------------------------------------------

SCONTROL_PARTITIONS = (
    "PartitionName=normal AllowGroups=ALL Default=YES MaxTime=2-00:00:00 Nodes=b3 State=UP TotalNodes=1\n"
    "PartitionName=accel AllowGroups=ALL Default=NO MaxTime=UNLIMITED Nodes=b[1-2] State=DOWN TotalNodes=2\n"
    "PartitionName=empty Default=NO MaxTime=1:00:00 State=UP TotalNodes=0\n"
)


def test_commands_are_env_prefixed_and_fixed():
    for command in (partitions_command(), cluster_name_command(), accounts_command()):
        assert command.startswith("env -u SLURM_CLUSTERS")
    assert "scontrol --oneliner show partition" in partitions_command()
    assert accounts_command().endswith('user="$USER" format=cluster,account')


def test_partitions_in_scontrol_order_with_flags():
    parsed = parse_partitions(SCONTROL_PARTITIONS)
    assert [p.name for p in parsed] == ["normal", "accel", "empty"]
    assert parsed[0] == PartitionInfo("normal", default=True, state="UP", max_time="2-00:00:00")
    assert parsed[1].max_time is None and parsed[1].state == "DOWN"


def test_partitions_error_line_raises():
    with pytest.raises(SlurmError):
        parse_partitions("slurm_load_partitions: Unable to contact slurm controller (connect failure)\n")


def test_describe_partitions_of_beta():
    nodes = parse_sinfo((FIXTURES / "beta_sinfo.txt").read_text())
    facts = {f.name: f for f in describe_partitions(nodes, parse_partitions(SCONTROL_PARTITIONS))}
    assert list(facts) == ["normal", "accel", "empty"]
    accel = facts["accel"]
    assert accel.gpus == (GpuCount("a100", 4, 6, even=False), GpuCount("v100", 2, 2, even=False))
    assert accel.gpu_type == "a100" and accel.nodes == 2
    assert (accel.cores_per_node, accel.mem_gb_per_node, accel.cores_differ) == (16, 8, False)
    assert facts["normal"].gpus == () and facts["normal"].info.default
    assert facts["empty"].nodes == 0 and facts["empty"].cores_per_node is None


def test_cluster_name_and_accounts():
    assert parse_cluster_name("AuthType                = auth/munge\nClusterName             = alpha\n") == "alpha"
    assert parse_cluster_name("nothing here\n") is None
    text = "alpha|lab\nbeta|lab\nalpha|proj2\nalpha|lab\n"
    assert parse_accounts(text, "alpha") == ("lab", "proj2")
    assert parse_accounts(text, None) == ("lab", "proj2")
    assert parse_accounts("", "alpha") == ()


# ---- the ssh config's Hosts ---------------------------------------------------------------------


def test_list_hosts_follows_includes_and_skips_patterns(tmp_path, fresh_home):
    included = fresh_home / ".ssh" / "conf.d"
    included.mkdir(parents=True)
    (included / "site").write_text("Host inc1\n  HostName 10.0.0.1\n  Port 2222\n")
    config = tmp_path / "ssh_config"
    config.write_text(
        "Host *\n  ServerAliveInterval 30\n"
        "Include conf.d/*\n"  # relative: to ~/.ssh, as OpenSSH reads it
        "Host jump\n  HostName jump.example.org\n  User me\n"
        "Host lumi lumi2 !bad *.org\n  HostName lumi.csc.fi\n  ProxyJump jump\n"
    )
    hosts = list_hosts(config)
    assert [h.alias for h in hosts] == ["inc1", "jump", "lumi", "lumi2"]
    assert hosts[0] == SshHost("inc1", "10.0.0.1", None, 2222, None)
    assert hosts[2].proxy_jump == "jump" and hosts[2].describe() == "lumi.csc.fi via jump"
    assert hosts[1].describe() == "me@jump.example.org"
    assert resolve_host(config, "x.org").hostname == "lumi.csc.fi"  # the "*.org" block
    assert resolve_host(config, "other.net") == SshHost("other.net", "other.net")


def test_ssh_config_problems_are_one_line(tmp_path):
    with pytest.raises(UserError, match="no such ssh config file"):
        list_hosts(tmp_path / "missing")
    bad = tmp_path / "bad"
    bad.write_text('Host a\n  HostName "unclosed\n')
    with pytest.raises(UserError, match="ssh config: .*line 2"):
        list_hosts(bad)


def test_parse_choice_numbers_names_and_all():
    known = [SshHost("a", "h1"), SshHost("b", "h2"), SshHost("c", "h3")]
    assert parse_choice("", known) == known
    assert [h.alias for h in parse_choice("3, a 3", known)] == ["c", "a"]
    assert "'9'" in parse_choice("1 9", known)
    assert "'zz'" in parse_choice("zz", known)


# ---- the config written -------------------------------------------------------------------------


def _draft(**fields) -> ClusterDraft:
    return ClusterDraft(**{"name": "beta", "alias": "beta", "reached_as": "u@h:22", **fields})


def test_cluster_name_from_alias():
    assert cluster_name("lumi.csc.fi") == "lumi-csc-fi"
    assert cluster_name("a", ["a", "a-2"]) == "a-3"
    assert cluster_name("...") == "cluster"


def test_rendered_config_loads_with_the_discovered_facts():
    nodes = parse_sinfo((FIXTURES / "beta_sinfo.txt").read_text())
    partitions = describe_partitions(nodes, parse_partitions(SCONTROL_PARTITIONS))
    text = render_draft(
        [_draft(ssh_config="/lab/ssh_config", partitions=partitions, accounts=("lab", "other"), slurm_name="beta")],
        "/lab/ssh_config",
    )
    cluster = parse_config(text).cluster("beta")
    assert cluster.ssh.alias == "beta" and cluster.ssh.ssh_config == "/lab/ssh_config"
    accel = {p.name: p for p in cluster.partitions}["accel"]
    assert (accel.gpu_type, accel.vram_gb, accel.cores_per_node, accel.mem_gb_per_node) == ("a100", 40, 16, 8)
    assert {p.name: p.gpu_type for p in cluster.partitions} == {"normal": None, "accel": "a100", "empty": None}
    assert "# default partition, 1 node, time limit 2-00:00:00, no GPUs" in text
    assert "up to 4 per node, 6 in all; also up to 2 per node, 2 in all v100" in text
    assert "A100 has 40 or 80 GB and the type does not say: check" in text
    assert "#   SBATCH_ACCOUNT: lab" in text and "your Slurm accounts here: lab, other" in text


def test_every_field_written_has_a_comment():
    facts = PartitionFacts("gpu", 2, (GpuCount("mi250x", 8, 16),), 16, 8.0)
    text = render_draft([_draft(partitions=(facts,))], "~/.ssh/config")
    clusters = text.split("\nclusters:\n", 1)[1]
    for line in clusters.splitlines():
        if line.strip() and not line.strip().startswith("#") and line.strip() not in ("ssh:",):
            assert " # " in line or line.rstrip().endswith(":"), line


def test_remote_text_cannot_break_the_yaml():
    odd = PartitionFacts("yes", 1, (GpuCount("gpu", 4, 4),))
    bad_name = PartitionFacts("a b", 1)
    problem = "Connection refused\n  - name: injected\x1b[2J"
    text = render_draft(
        [_draft(partitions=(odd, bad_name), notes=("accounts: x\ny",)), _draft(name="c2", problem=problem)], "cfg"
    )
    config = parse_config(text)
    assert [p.name for p in config.cluster("beta").partitions] == ["yes"]  # a string, not True
    assert config.cluster("beta").partitions[0].vram_gb is None
    assert "Slurm names no GPU model: set the memory per GPU" in text
    assert not config.cluster("beta").rules.rocm
    assert "left out partition 'a b'" in text
    only_bad = parse_config(render_draft([_draft(partitions=(bad_name,))], "cfg"))
    assert only_bad.cluster("beta").partitions == ()
    assert config.cluster("c2").partitions == ()
    assert "\x1b" not in text and "injected" in text
    assert yaml.safe_load(text)["clusters"][1] == {"name": "c2", "ssh": {"alias": "beta"}}


def test_amd_gpus_mean_rocm():
    facts = PartitionFacts("gpu", 2, (GpuCount("mi250x", 8, 16),))
    text = render_draft([_draft(partitions=(facts,))], "cfg")
    assert parse_config(text).cluster("beta").rules.rocm
    assert "# AMD GPUs (mi250x): ROCm, not CUDA" in text
    assert "rocm" not in render_draft([_draft(partitions=(PartitionFacts("a", 1, (GpuCount("a100", 4, 4),)),))], "c")


def test_summary_lines():
    facts = PartitionFacts("gpu", 2, (GpuCount("mi250x", 8, 16),))
    assert summary(_draft(name="alpha", partitions=(facts,), accounts=("lab",))) == (
        "alpha: gpu (2 nodes, 16 mi250x); accounts: lab"
    )
    assert summary(_draft(problem="Connection refused\x1b")) == "beta: FAILED: Connection refused␛"


# ---- discovery over a link ----------------------------------------------------------------------


class FakeLink:
    """Answers each command by a phrase it holds ("sinfo", "show partition" ...), as the cluster would."""

    def __init__(self, answers: dict[str, Result]) -> None:
        self.answers = answers

    async def run(self, command: str) -> Result:
        (answer,) = [result for phrase, result in self.answers.items() if phrase in command]
        return answer


def _ok(stdout: str) -> Result:
    return Result("", 0, stdout, "")


async def test_discover_without_accounting_still_finds_partitions():
    link = FakeLink(
        {
            "sinfo": _ok((FIXTURES / "beta_sinfo.txt").read_text()),
            "show partition": _ok(SCONTROL_PARTITIONS),
            "show config": _ok("AuthType = auth/munge\nClusterName = beta\n"),
            "sacctmgr": Result("", 1, "", "sacctmgr: error: Problem talking to the database: Connection refused\n"),
        }
    )
    inventory = await discover(link)
    assert [p.name for p in inventory.partitions] == ["normal", "accel", "empty"]
    assert inventory.slurm_name == "beta" and inventory.accounts == ()
    assert inventory.notes == ("accounts: sacctmgr: error: Problem talking to the database: Connection refused",)


async def test_discover_raises_when_sinfo_fails():
    link = FakeLink(
        {
            "sinfo": Result("", 1, "", "slurm_load_partitions: Unable to contact slurm controller (connect failure)\n"),
            "show partition": _ok(""),
            "show config": _ok(""),
            "sacctmgr": _ok(""),
        }
    )
    with pytest.raises(SlurmError, match="Unable to contact slurm controller"):
        await discover(link)
