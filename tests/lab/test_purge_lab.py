"""`hpctui purge-check` against the lab: an old file is found, a new one is not."""

from __future__ import annotations

import json
import uuid

import pytest

from hpctui.cli import main

pytestmark = pytest.mark.lab

PROJECT = "/home/hpcuser/project"  # the lab's purge dir on alpha (90 days, margin 7)


@pytest.fixture
def files(lab):
    top = f"{PROJECT}/hpctui-test-purge-{uuid.uuid4().hex[:8]}"
    made = lab.ssh("alpha", f"mkdir -p {top}/run && head -c 4096 /dev/zero > {top}/run/old.pt "
                            f"&& touch -a -m -d '100 days ago' {top}/run/old.pt && echo new > {top}/run/new.txt")  # fmt: skip
    assert made.returncode == 0, made.stderr
    yield top
    lab.ssh("alpha", f"rm -rf {top}")


def test_purge_check_finds_the_old_file_not_the_new(lab, files, capsys):
    assert main(["purge-check", "--config", str(lab.config_path), "alpha", "--json"]) == 1
    (report,) = json.loads(capsys.readouterr().out)
    assert report["cluster"] == "alpha" and report["threshold_days"] == 83
    (mine,) = [g for g in report["groups"] if g["directory"] == files]
    assert (mine["files"], mine["bytes"]) == (1, 4096) and mine["purge_in_days"] <= -9.5


def test_purge_check_text_names_the_directory(lab, files, capsys):
    main(["purge-check", "--config", str(lab.config_path), "alpha", "--margin-days", "0"])
    out = capsys.readouterr().out
    assert out.startswith("alpha: files untouched for 90 days are deleted")
    assert any(line.split()[0] == files and "may be deleted now" in line for line in out.splitlines()[1:])
