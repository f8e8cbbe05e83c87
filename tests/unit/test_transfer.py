"""`hpctui transfer`, pure part: endpoints, and the remote commands run here with a local sh."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hpctui.config.model import Cluster, Config, GpuPartition, SshTarget
from hpctui.errors import UserError
from hpctui.toolkit import transfer as t


def cluster(name: str, *gpu_types: str | None) -> Cluster:
    parts = tuple(GpuPartition(f"p{i}", gpu_type=g) for i, g in enumerate(gpu_types))
    return Cluster(name=name, ssh=SshTarget(host=f"{name}.example"), partitions=parts)


CONFIG = Config(clusters=(cluster("alpha", "mi250x", None), cluster("beta", "a100")))


def sh(command: str, *, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """Run a remote command line locally, as the login shell would (sh -c)."""
    return subprocess.run(["sh", "-c", command], cwd=cwd, input=stdin, capture_output=True, check=False)


def make_tree(root: Path) -> Path:
    files = {"run1/latest.pt": b"w" * 10, "run1/file with spaces.txt": b"a", "run1/sub/x.bin": b"\0" * 5000,
             "run1/odd\\name\nline": b"o", "run1/-dash": b"d"}  # fmt: skip
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


@pytest.mark.parametrize(("text", "cluster_name", "path"), [
    ("alpha:/scratch/me/data", "alpha", "/scratch/me/data"),
    ("beta:runs/x", "beta", "runs/x"),
    ("beta:~/runs/x", "beta", "runs/x"),
    ("beta:~", "beta", "."),
    ("alpha:/a:b", "alpha", "/a:b"),
])  # fmt: skip
def test_parse_endpoint(text, cluster_name, path):
    endpoint = t.parse_endpoint(text, CONFIG)
    assert (endpoint.cluster.name, endpoint.path) == (cluster_name, path)


@pytest.mark.parametrize("text", ["alpha", "alpha:", ":/x", "gamma:/x"])
def test_parse_endpoint_rejects(text):
    with pytest.raises(UserError):
        t.parse_endpoint(text, CONFIG)


@pytest.mark.parametrize(("path", "expected"), [
    ("/a/b/data/", ("/a/b", "data")), ("data", (".", "data")), ("x/-odd", ("x", "./-odd")),
])  # fmt: skip
def test_split_source(path, expected):
    assert t.split_source(path) == expected


@pytest.mark.parametrize("path", ["/", ".", "a/.."])
def test_split_source_needs_a_name(path):
    with pytest.raises(UserError):
        t.split_source(path)


def test_source_check_reports_size_and_checkpoints(tmp_path):
    make_tree(tmp_path)
    result = sh(t.source_check_command(str(tmp_path), "run1"), cwd=tmp_path)
    facts = t.parse_source_check(result.stdout.decode())
    assert result.returncode == 0 and facts.size >= 5000
    assert facts.checkpoints == ("run1/latest.pt",)


def test_source_check_says_what_is_missing(tmp_path):
    result = sh(t.source_check_command(str(tmp_path), "nope"), cwd=tmp_path)
    assert result.returncode == t.FAILED and b"no such file" in result.stdout


def test_destination_check_creates_refuses_existing_and_impossible(tmp_path):
    make_tree(tmp_path)
    assert sh(t.destination_check_command(str(tmp_path / "new" / "dir"), "run1"), cwd=tmp_path).returncode == 0
    assert (tmp_path / "new" / "dir").is_dir()
    exists = sh(t.destination_check_command(str(tmp_path), "run1"), cwd=tmp_path)
    assert exists.returncode == t.FAILED and b"already exists" in exists.stdout
    (tmp_path / "plainfile").write_text("x")
    blocked = sh(t.destination_check_command(str(tmp_path / "plainfile" / "sub"), "run1"), cwd=tmp_path)
    assert blocked.returncode == t.FAILED and b"cannot create" in blocked.stdout


@pytest.mark.parametrize("source", ["run1", "run1/-dash", "run1/file with spaces.txt"])
def test_pack_unpack_and_checksums_round_trip(tmp_path, source):
    src, dst = make_tree(tmp_path / "src"), tmp_path / "dst"
    dst.mkdir()
    parent, name = t.split_source(str(src / source))
    stream = sh(t.pack_command(parent, name), cwd=tmp_path).stdout
    assert sh(t.unpack_command(str(dst)), cwd=tmp_path, stdin=stream).returncode == 0
    sums = [
        t.parse_checksums(sh(t.checksum_command(d, name), cwd=tmp_path).stdout.decode()) for d in (parent, str(dst))
    ]
    comparison = t.compare(*sums)
    assert comparison.equal and comparison.files == len(sums[0]) >= 1


def test_compare_names_missing_extra_and_different():
    comparison = t.compare({"a": "1", "b": "2", "c": "3"}, {"a": "1", "b": "X", "d": "4"})
    assert (comparison.missing, comparison.extra, comparison.different) == (("c",), ("d",), ("b",))
    assert not comparison.equal and "different 1: b" in comparison.summary()


def test_checkpoint_warning_only_between_different_gpu_types():
    alpha, beta = CONFIG.cluster("alpha"), CONFIG.cluster("beta")
    warning = t.checkpoint_warning(["run1/latest.pt"], alpha, beta)
    assert warning is not None and "bf16" in warning and "mi250x" in warning and "a100" in warning
    assert t.checkpoint_warning([], alpha, beta) is None
    assert t.checkpoint_warning(["x.pt"], alpha, cluster("gamma", "MI250X")) is None
    assert t.checkpoint_warning(["x.pt"], alpha, cluster("cpuonly", None)) is None


def test_progress_never_claims_done_before_the_end():
    assert "(99%)" in t.progress_line(2000, 1000, 1.0)
    assert "(50%)" in t.progress_line(512, 1024, 2.0) and "256 B/s" in t.progress_line(512, 1024, 2.0)
    assert t.iec_bytes(3 * 1024**3) == "3.0 GiB"
