"""`hpctui choose` against the lab's live partitions."""

from __future__ import annotations

import json

import pytest

from hpctui.cli import main

pytestmark = pytest.mark.lab


def test_choose_ranks_by_vram_and_explains(lab, capsys):
    assert main(["choose", "--config", str(lab.config_path), "--vram-gb", "48", "--json"]) == 0
    choices = json.loads(capsys.readouterr().out)["choices"]
    assert [(c["cluster"], c["partition"], c["fits"]) for c in choices] == [
        ("alpha", "gpu", True),
        ("beta", "accel", False),
    ]
    assert choices[0]["total"] == 16 and choices[0]["availability"] in ("now", "wait")
    assert choices[0]["reason"].startswith(f"alpha/gpu: {choices[0]['free']} of 16 mi250x free, 64 GB VRAM fits 48 GB")
    assert "40 GB VRAM < 48 GB needed" in choices[1]["reason"]


def test_choose_text_is_one_line_per_partition(lab, capsys):
    assert main(["choose", "--config", str(lab.config_path), "--cpu-only"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "for CPU only:"
    assert sorted(line.split(":")[0].split()[-1] for line in lines[1:]) == ["alpha/cpu", "beta/normal"]
    assert all("cores idle" in line for line in lines[1:])
