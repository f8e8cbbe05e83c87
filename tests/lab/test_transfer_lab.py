"""`hpctui transfer` alpha -> beta over the two links: content, checksums, errors."""

from __future__ import annotations

import uuid

import pytest

from hpctui.cli import main

pytestmark = pytest.mark.lab

SUMS = "cd {} && find run1 -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum"


@pytest.fixture
def base(lab):
    """A fresh directory on alpha holding run1/ (a name with spaces, a checkpoint, 3 MB of noise)."""
    base = f"hpctui-test-transfer-{uuid.uuid4().hex[:8]}"
    made = lab.ssh("alpha", f"mkdir -p {base}/src/run1/sub && cd {base}/src/run1 && echo hello > 'file with spaces.txt' "
                            "&& echo weights > latest.pt && head -c 3000000 /dev/urandom > sub/noise.bin")  # fmt: skip
    assert made.returncode == 0, made.stderr
    yield base
    lab.ssh("alpha", f"rm -rf {base}")


def test_transfer_copies_and_verifies(lab, base, capsys):
    assert main(["transfer", "--config", str(lab.config_path), f"alpha:{base}/src/run1", f"beta:{base}/dst"]) == 0
    out, err = capsys.readouterr()
    assert "verified: 3 files" in out
    assert "bf16" in err and "latest.pt" in err  # mi250x -> a100
    source = lab.ssh("alpha", SUMS.format(f"{base}/src")).stdout
    copied = lab.ssh("beta", SUMS.format(f"{base}/dst")).stdout
    assert copied == source and "run1/file with spaces.txt" in copied


def test_transfer_errors_are_one_clear_line(lab, base, capsys):
    assert main(["transfer", "--config", str(lab.config_path), f"alpha:{base}/missing", f"beta:{base}/dst"]) == 2
    assert f"alpha:{base}/missing: no such file or directory" in capsys.readouterr().err
    assert main(["transfer", "--config", str(lab.config_path), f"alpha:{base}/src/run1", "beta:/proc"]) == 2
    assert "beta:/proc: directory not writable" in capsys.readouterr().err
    assert main(["transfer", "--config", str(lab.config_path), f"alpha:{base}/src/run1", f"beta:{base}/src"]) == 2
    assert "run1 already exists" in capsys.readouterr().err
