"""`hpctui purge-check`, pure part: the find command run here with a local sh, parsing, summary."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from hpctui.config.model import Cluster, Purge, SshTarget
from hpctui.toolkit.purge import PurgeParseError, group_of, parse_purge, purge_command, threshold_days


def cluster(*dirs: Path | str, days: int = 90, margin: int = 7) -> Cluster:
    return Cluster(name="c", ssh=SshTarget(host="c.example"), purge=Purge(days, tuple(str(d) for d in dirs), margin))


def touch(path: Path, age: str | None = None, *, atime_only: bool = False, size: int = 1) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    if age:
        flags = ["-a"] if atime_only else ["-a", "-m"]
        subprocess.run(["touch", *flags, "-d", age, str(path)], check=True)


def check(c: Cluster, margin: int | None = None, limit: int = 1000):
    margin = c.purge.margin_days if margin is None else margin
    command = purge_command(c.purge.dirs, threshold_days(c.purge.days, margin), limit)
    out = subprocess.run(["sh", "-c", command], capture_output=True, check=True).stdout.decode()
    return parse_purge(c, out, margin, limit)


def test_only_files_old_by_both_times_are_at_risk(tmp_path):
    touch(tmp_path / "outputs" / "old model.pt", "100 days ago", size=1000)
    touch(tmp_path / "outputs" / "deep" / "old.log", "95 days ago", size=10)
    touch(tmp_path / "new.txt")
    touch(tmp_path / "read-recently.bin", "100 days ago", atime_only=True)  # modified just now
    touch(tmp_path / "top-old.txt", "85 days ago", size=5)
    report = check(cluster(tmp_path))
    groups = {g.directory: g for g in report.groups}
    assert set(groups) == {f"{tmp_path}/outputs", str(tmp_path)}
    outputs = groups[f"{tmp_path}/outputs"]
    assert (outputs.files, outputs.bytes) == (2, 1010) and 99.5 < outputs.oldest_age_days < 100.5
    assert groups[str(tmp_path)].files == 1 and groups[str(tmp_path)].purge_in_days(90) > 0
    assert report.groups[0].directory == f"{tmp_path}/outputs"  # oldest first
    assert report.badge == "purge: 3 files, 1015 B" and not report.truncated


def test_margin_moves_the_threshold(tmp_path):
    touch(tmp_path / "a", "85 days ago")
    assert check(cluster(tmp_path), margin=0).groups == ()
    assert check(cluster(tmp_path), margin=10).files == 1


def test_nothing_at_risk_has_no_badge(tmp_path):
    touch(tmp_path / "fresh")
    report = check(cluster(tmp_path))
    assert report.groups == () and report.badge is None and report.missing == ()


def test_output_is_capped(tmp_path):
    for n in range(7):
        touch(tmp_path / f"f{n}", "100 days ago")
    report = check(cluster(tmp_path), limit=3)
    assert report.files == 3 and report.truncated and report.badge.startswith("purge: 3+ files")


def test_missing_directories_are_reported_not_fatal(tmp_path):
    touch(tmp_path / "here" / "old", "100 days ago")
    report = check(cluster(tmp_path / "gone", tmp_path / "here"))
    assert report.missing == (str(tmp_path / "gone"),) and report.files == 1


def test_odd_file_names_survive(tmp_path):
    touch(tmp_path / "sub" / "a b\nc  d", "100 days ago")
    assert check(cluster(tmp_path)).groups[0].directory == f"{tmp_path}/sub"


@pytest.mark.parametrize(("path", "group"), [
    ("/w/me/outputs/x/y.pt", "/w/me/outputs"), ("/w/me/file", "/w/me"), ("/w/me/deep/er/f", "/w/me/deep"),
    ("/w/me2/f", "/w/me2"), ("/w/me/inner/a/f", "/w/me/inner/a"),
])  # fmt: skip
def test_group_of(path, group):
    assert group_of(path, ["/w/me/", "/w/me/inner"]) == group


@pytest.mark.parametrize("output", ["", "notaclock\nok\n", "1700000000\nok\nbad record\0"])
def test_malformed_answers_raise(output):
    with pytest.raises(PurgeParseError):
        parse_purge(cluster("/w"), output, 7)


def test_threshold_never_negative():
    assert threshold_days(42, 50) == 0 and threshold_days(90, 7) == 83


def test_no_directories_no_command():
    with pytest.raises(ValueError):
        purge_command([], 83)
