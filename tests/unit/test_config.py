"""Config loading: every bad config is one `PATH:LINE:COL: ...` line and exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpctui.cli import main
from hpctui.config.load import ConfigError, load_config, parse_config
from hpctui.config.model import Refresh

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.yaml"

ALPHA = "clusters:\n  - name: alpha\n    ssh: {host: a.example}\n"

# (case id, config text, 1-based line, 1-based column, fragment of the message).
# The position is the offending key or value (or the mapping that lacks a key).
BAD = [
    ("invalid-yaml", "theme: hpctui: dark\n" + ALPHA, 1, 14, "invalid YAML: mapping values are not allowed"),
    ("tab-indent", "clusters:\n\t- name: a\n", 2, 1, "invalid YAML"),
    ("two-documents", ALPHA + "---\nx: 1\n", 4, 1, "expected a single document"),
    ("control-char", ALPHA + "# \x01\n", 4, 3, "character '\\x01' is not allowed"),
    ("empty-file", "", 1, 1, "the config is empty"),
    ("top-level-list", "- a\n- b\n", 1, 1, "expected a mapping, got a list"),
    ("unknown-top-key", "refesh: {queue_s: 5}\n" + ALPHA, 1, 1, "unknown key 'refesh'; did you mean 'refresh'?"),
    ("unknown-ssh-key", "clusters:\n  - name: alpha\n    ssh: {host: a, prot: 22}\n", 3, 20, "did you mean 'port'?"),
    ("unknown-refresh-key", ALPHA + "    refresh: {queue: 5}\n", 4, 15, "unknown key 'queue'; did you mean 'queue_s'?"),
    (
        "port-string",
        "clusters:\n  - name: alpha\n    ssh:\n      host: a\n      port: '22'\n",
        5,
        13,
        "clusters[0].ssh.port: expected an integer, got a string",
    ),
    ("clusters-mapping", "clusters:\n  alpha: {}\n", 2, 3, "clusters: expected a list, got a mapping"),
    ("good-for-string", ALPHA + "    good_for: fast\n", 4, 15, "good_for: expected a list, got a string"),
    ("rules-not-bool", ALPHA + "    rules: {rocm: maybe}\n", 4, 19, "rules.rocm: expected true or false"),
    ("refresh-bool", "refresh: {gpus_s: yes}\n" + ALPHA, 1, 19, "refresh.gpus_s: expected a number, got a boolean"),
    ("name-null", "clusters:\n  - name:\n    ssh: {host: a}\n", 2, 10, "expected a string, got null"),
    (
        "missing-ssh",
        "theme: hpctui-dark\nclusters:\n  - name: alpha\n    queue_user: me\n",
        3,
        5,
        "clusters[0]: missing required key 'ssh'",
    ),
    ("missing-clusters", "theme: hpctui-dark\n", 1, 1, "missing required key 'clusters'"),
    (
        "missing-partition-name",
        ALPHA + "    partitions:\n      - gpu_type: a100\n",
        5,
        9,
        "partitions[0]: missing required key 'name'",
    ),
    ("no-clusters", "clusters: []\n", 1, 11, "configure at least one cluster"),
    (
        "duplicate-cluster",
        ALPHA + "  - name: beta\n    ssh: {host: b}\n  - name: alpha\n    ssh: {host: c}\n",
        6,
        11,
        "clusters[2].name: duplicate name 'alpha' (first at line 2)",
    ),
    ("duplicate-key", ALPHA + "    name: beta\n", 4, 5, "duplicate key 'name' (first at line 2)"),
    ("duplicate-env", ALPHA + "    env:\n      A: 1\n      A: 2\n", 6, 7, "duplicate key 'A'"),
    (
        "duplicate-partition",
        ALPHA + "    partitions:\n      - name: gpu\n      - name: gpu\n",
        6,
        15,
        "duplicate name 'gpu'",
    ),
    ("negative-refresh", "refresh: {queue_s: -5}\n" + ALPHA, 1, 20, "refresh.queue_s: must be greater than 0"),
    ("infinite-refresh", ALPHA + "    refresh: {gpus_s: .inf}\n", 4, 23, "must be a finite number"),
    (
        "port-range",
        "clusters:\n  - name: alpha\n    ssh: {host: a, port: 70000}\n",
        3,
        26,
        "between 1 and 65535, got 70000",
    ),
    (
        "zero-channels",
        "clusters:\n  - name: alpha\n    ssh: {host: a, channels: 0}\n",
        3,
        30,
        "ssh.channels: must be greater than 0",
    ),
    ("bad-regex", "metrics:\n  - name: lr\n    regex: 'lr=([0-9'\n" + ALPHA, 3, 12, "invalid regex 'lr=([0-9'"),
    ("regex-no-group", "metrics:\n  - {name: lr, regex: 'lr=[0-9.]+'}\n" + ALPHA, 2, 23, "needs a (group)"),
    ("unknown-theme", "theme: hpctui-drak\n" + ALPHA, 1, 8, "unknown value 'hpctui-drak'; did you mean 'hpctui-dark'?"),
    (
        "cluster-name",
        "clusters:\n  - name: my cluster\n    ssh: {host: a}\n",
        2,
        11,
        "'my cluster' must match [A-Za-z0-9_-]+",
    ),
    ("ssh-no-target", "clusters:\n  - name: alpha\n    ssh: {user: me, port: 22}\n", 3, 10, "needs 'alias'"),
    ("env-name", ALPHA + "    env: {1BAD: x}\n", 4, 11, "'1BAD' must match"),
    ("custom-tag", "theme: !custom hpctui-dark\n" + ALPHA, 1, 8, "unsupported tag '!custom'"),
    (
        "bad-date",
        "clusters:\n  - name: alpha\n    ssh: {host: a, port: 2001-13-45}\n",
        3,
        26,
        "cannot read '2001-13-45'",
    ),
    # What a command builder would refuse (or a remote command get wrong) is refused here, not at run time.
    (
        "partition-space",
        ALPHA + "    partitions: [{name: 'gpu small'}]\n",
        4,
        25,
        "clusters[0].partitions[0].name: 'gpu small' must match [A-Za-z0-9_.\\-]+",
    ),
    (
        "partition-comma",
        ALPHA + "    partitions:\n      - name: gpu,cpu\n",
        5,
        15,
        "partitions[0].name: 'gpu,cpu' must match",
    ),
    (
        "forbid-mem-partition",
        ALPHA + "    rules: {forbid_mem_partitions: [ok, 'a;b']}\n",
        4,
        41,
        "rules.forbid_mem_partitions[1]: 'a;b' must match",
    ),
    ("queue-user-space", ALPHA + "    queue_user: 'me you'\n", 4, 17, "clusters[0].queue_user: 'me you' must match"),
    ("queue-user-comma", ALPHA + "    queue_user: me,you\n", 4, 17, "queue_user: 'me,you' must match"),
    (
        "project-dir-newline",
        ALPHA + '    project_dir: "/a\\nb"\n',
        4,
        18,
        "project_dir: '/a\\nb': a path cannot hold a line break",
    ),
    ("log-dir-option", ALPHA + "    log_dir: --logs\n", 4, 14, "log_dir: '--logs' would be read as an option"),
    (
        "purge-dir-relative",
        ALPHA + "    purge: {days: 30, dirs: [/scratch/me, scratch]}\n",
        4,
        43,
        "purge.dirs[1]: 'scratch' must be an absolute path",
    ),
    (
        "forward-agent-text",
        "clusters:\n  - name: alpha\n    ssh: {host: a, forward_agent: please}\n",
        3,
        35,
        "ssh.forward_agent: expected true or false",
    ),
    (
        "purge-dir-option",
        ALPHA + "    purge:\n      dirs: [-delete]\n",
        5,
        14,
        "purge.dirs[0]: '-delete' must be an absolute path",
    ),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "line", "col", "fragment"), [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_config_is_one_line_with_position(tmp_path, capsys, text, line, col, fragment):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    prefix = f"{path}:{line}:{col}: "
    assert str(raised.value).startswith(prefix)
    assert fragment in str(raised.value)
    assert raised.value.exit_code == 2

    assert main(["config", "check", "--config", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"hpctui: {raised.value}\n"
    assert captured.err.count("\n") == 1


def test_not_utf8_points_at_the_bad_byte(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_bytes(b"clusters:\n  - name: al\xffpha\n")
    with pytest.raises(ConfigError, match=rf"^{path}:2:13: the file is not UTF-8"):
        load_config(path)


def test_unreadable_path_is_a_user_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path)


def test_example_config_validates():
    config = load_config(EXAMPLE)
    assert [c.name for c in config.clusters] == ["lumi", "saga", "betzy"]
    lumi, saga, betzy = config.clusters
    assert lumi.ssh.host == "lumi.csc.fi"
    assert lumi.rules.rocm and not lumi.rules.outbound_network
    assert lumi.rules.container_binds == ("/opt/cray/libfabric",)
    assert ("PYTORCH_HIP_ALLOC_CONF", "expandable_segments:True") in lumi.rules.required_env
    assert set(lumi.rules.lustre_paths) == {"/scratch", "/project", "/flash"}
    assert lumi.purge.days == 90
    assert [(p.name, p.vram_gb) for p in lumi.partitions][0] == ("standard-g", 64.0)
    assert saga.rules.module_pytorch_broken and saga.rules.require_module_purge
    assert saga.purge.days == 42 and saga.purge.dirs[0].startswith("/cluster/work")
    assert betzy.rules.forbid_mem_partitions == ("normal",)
    assert betzy.rules.thread_cap == 128
    assert {p.name for p in betzy.partitions} == {"normal", "preproc", "accel"}
    assert all(c.good_for for c in config.clusters)
    assert config.keymap and config.metrics


def test_example_lines_point_at_cluster_entries():
    lines = EXAMPLE.read_text().splitlines()
    for cluster in load_config(EXAMPLE).clusters:
        assert lines[cluster.line - 1].strip().startswith(f"- name: {cluster.name}")


def test_cluster_refresh_overrides_global_field_by_field():
    config = parse_config(
        "refresh: {queue_s: 5, gpus_s: 50}\n" + ALPHA + "    refresh: {gpus_s: 7}\n"
        "  - name: beta\n    ssh: {alias: b}\n"
    )
    assert config.refresh == Refresh(queue_s=5.0, gpus_s=50.0)
    assert config.cluster("alpha").refresh == Refresh(queue_s=5.0, gpus_s=7.0)
    assert config.cluster("beta").refresh == config.refresh


def test_defaults_nulls_and_tilde_expansion(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    config = parse_config(
        "theme:\nclusters:\n  - name: alpha\n    ssh:\n      alias: alpha\n      identity_file: ~/.ssh/id\n"
        "      known_hosts: ~/kh\n    local_project_dir: ~/src/p\n    project_dir: ~/remote\n"
        "    env: {WANDB_MODE: off, OMP_NUM_THREADS: 8}\n"
    )
    cluster = config.clusters[0]
    assert config.theme == "hpctui-dark"
    assert cluster.ssh.identity_file == f"{tmp_path}/.ssh/id"
    assert cluster.ssh.known_hosts == f"{tmp_path}/kh"
    assert cluster.local_project_dir == f"{tmp_path}/src/p"
    assert cluster.project_dir == "~/remote"  # remote paths stay as written
    assert cluster.env == (("WANDB_MODE", "off"), ("OMP_NUM_THREADS", "8"))
    assert cluster.ssh.destination == "alpha"


def test_merge_keys_share_settings_and_explicit_keys_win():
    config = parse_config(
        "clusters:\n  - name: alpha\n    ssh: &ssh {host: a, user: me, port: 22}\n"
        "  - name: beta\n    ssh:\n      <<: *ssh\n      host: b\n"
    )
    beta = config.cluster("beta").ssh
    assert (beta.host, beta.user, beta.port) == ("b", "me", 22)


def test_agent_forwarding_is_off_unless_the_cluster_asks():
    config = parse_config(ALPHA + "  - name: beta\n    ssh: {host: b.example, forward_agent: true}\n")
    assert [c.ssh.forward_agent for c in config.clusters] == [False, True]


def test_names_and_paths_the_builders_take_pass():
    config = parse_config(
        ALPHA + "    queue_user: first.last@uni.example\n    project_dir: work/proj\n    log_dir: /abs/logs\n"
        "    partitions: [{name: gpu-a100_40g.1}]\n    purge: {days: 30, dirs: [/scratch/me]}\n"
    )
    cluster = config.clusters[0]
    assert (cluster.queue_user, cluster.project_dir, cluster.partitions[0].name) == (
        "first.last@uni.example",
        "work/proj",
        "gpu-a100_40g.1",
    )
