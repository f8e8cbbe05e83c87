"""`hpctui sync`: rsync pattern matching (checked against the real rsync), the pitfall, the argv."""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path, PurePosixPath

import pytest

from hpctui.cli import main
from hpctui.config.model import SshTarget
from hpctui.ssh.link import under_sh
from hpctui.toolkit.sync import DEFAULT_EXCLUDES, parse_pattern, pitfalls, rsync_argv, ssh_argv

TREE = (
    "train.py",
    "data/blob.bin",
    "data/sub/more.bin",
    "src/pkg/data/x.py",
    "src/pkg/data/y.txt",
    "src/pkg/model.py",
    "src/__pycache__/m.cpython-311.pyc",
    "notes/data",
    "xdata/a.py",
    "docs/d[a]ta/z.md",
    "deep/a/b/data/c.py",
    "build/out.o",
)
PATTERNS = (
    "data",
    "/data",
    "data/",
    "/data/",
    "pkg/data",
    "src/**",
    "*.py",
    "**/data",
    "d?ta",
    "d[!x]ta",
    "data/***",
    "/src/pkg",
    "__pycache__",
    "*data",
    "a/b",
    "/nope",
    "*/data",
    "src/*/data",
    "src/**/data",
    "**data",
    "src/**data",
    "/src/**",
    "src/pkg/data/***",
)


def make_tree(root: Path, files=TREE) -> Path:
    for rel in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rel)
    return root


def rsync_sends(tree: Path, pattern: str, dest: Path) -> set[str]:
    """What the real rsync would send with ``--exclude pattern`` (dry run, names only)."""
    out = subprocess.run(
        ["rsync", "-a", "--dry-run", "--out-format=%n", f"--exclude={pattern}", f"{tree}/", f"{dest}/"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.rstrip("/") for line in out.splitlines() if line.strip() and line != "./"}


def we_send(tree: Path, pattern: str) -> set[str]:
    """What our matcher says survives: a path is sent when neither it nor a parent is excluded."""
    parsed = parse_pattern(pattern)
    sent = set()
    for path in sorted(tree.rglob("*")):
        rel = PurePosixPath(path.relative_to(tree).as_posix())
        chain = [*reversed(rel.parents[:-1]), rel]
        if not any(parsed.matches(p, (tree / p).is_dir()) for p in chain):
            sent.add(rel.as_posix())
    return sent


@pytest.mark.parametrize("pattern", PATTERNS)
def test_matching_agrees_with_rsync(tmp_path, pattern):
    tree = make_tree(tmp_path / "tree")
    assert we_send(tree, pattern) == rsync_sends(tree, pattern, tmp_path / "dest")


def test_bare_data_exclude_is_the_pitfall(tmp_path):
    tree = make_tree(tmp_path)
    found = pitfalls(["data"], tree)
    assert {(p.directory, p.sources) for p in found} == {("src/pkg/data", 1), ("deep/a/b/data", 1)}
    message = next(p.message for p in found if p.directory == "src/pkg/data")
    assert "src/pkg/data/x.py" in message and "--exclude /data" in message and "\n" not in message


@pytest.mark.parametrize("pattern", ["/data", "pkg/data", "**/data", "/src/pkg/data", "*.bin"])
def test_anchored_or_path_patterns_are_taken_as_meant(tmp_path, pattern):
    assert pitfalls([pattern], make_tree(tmp_path)) == []


def test_top_level_match_and_source_free_dirs_are_fine(tmp_path):
    tree = make_tree(tmp_path, ("data/train.py", "src/pkg/data/table.csv", "src/assets/logo.png"))
    assert pitfalls(["data", "assets"], tree) == []


def test_dirs_already_excluded_are_not_entered(tmp_path):
    tree = make_tree(tmp_path, ("vendor/lib/data/a.py", "src/data/b.py"))
    found = pitfalls(["/vendor", "data"], tree)
    assert [p.directory for p in found] == ["src/data"]


def test_default_excludes_are_safe_on_a_typical_project(tmp_path):
    assert pitfalls(DEFAULT_EXCLUDES, make_tree(tmp_path)) == []


def test_ssh_argv_for_an_alias_keeps_the_users_ssh_config():
    target = SshTarget(alias="lumi", ssh_config="/home/me/.ssh/config", known_hosts="/home/me/kh")
    argv = ssh_argv(target)
    assert argv[:3] == ["ssh", "-F", "/home/me/.ssh/config"]
    assert "UserKnownHostsFile=/home/me/kh" in argv
    assert "-p" not in argv and "-l" not in argv
    assert "ForwardAgent=no" in argv  # whatever the user's ssh config says
    assert "ForwardAgent=yes" in ssh_argv(SshTarget(alias="lumi", forward_agent=True))


def test_ssh_argv_for_host_port_user_builds_the_options():
    target = SshTarget(host="saga.example", port=2222, user="me", identity_file="/k/id", proxy_jump="gw")
    argv = ssh_argv(target)
    pairs = dict(zip(argv[1::2], argv[2::2], strict=False))
    assert pairs["-p"] == "2222" and pairs["-l"] == "me" and pairs["-i"] == "/k/id" and pairs["-J"] == "gw"
    assert "-F" not in argv


def test_rsync_argv_sends_the_contents_into_the_project_dir():
    target = SshTarget(host="h.example", user="me")
    argv = rsync_argv(Path("/src/proj/"), target, "/work/my proj", [".git", "/data"])
    assert argv[:3] == ["rsync", "-az", "--info=progress2"]
    assert argv[-2:] == ["/src/proj/", "h.example:/work/my proj/"]
    assert ["--exclude=.git", "--exclude=/data"] == [a for a in argv if a.startswith("--exclude")]
    assert shlex.split(argv[argv.index("-e") + 1]) == ssh_argv(target)
    rsync_path = next(a for a in argv if a.startswith("--rsync-path="))
    remote = "mkdir -p '/work/my proj' && exec rsync \"$@\""
    assert rsync_path == f"--rsync-path={under_sh(remote)} rsync"  # tcsh or fish pass it to sh untouched


def test_dry_run_changes_nothing_remotely():
    argv = rsync_argv(Path("/p"), SshTarget(alias="a"), "/r", [], dry_run=True)
    assert "--dry-run" in argv and not any(a.startswith("--rsync-path") for a in argv)


def test_cli_refuses_the_pitfall_with_exit_2(tmp_path, capsys):
    tree = make_tree(tmp_path / "proj")
    config = tmp_path / "c.yaml"
    config.write_text(
        f"clusters:\n  - name: c\n    ssh: {{host: c.invalid}}\n    project_dir: /r\n    local_project_dir: {tree}\n"
    )
    assert main(["sync", "--config", str(config), "c", "--exclude", "data"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "leading slash" in err
