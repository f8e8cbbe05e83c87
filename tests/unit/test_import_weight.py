"""What importing the SSH layer loads: asyncssh's X.509 support (cryptography's x509 and
the email package, 1.1 MiB) is skipped when pyOpenSSL, without which it fails, is missing;
where pyOpenSSL is installed, asyncssh loads it as usual. Each case is made in a fresh
interpreter, whatever this environment holds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROBE = "import sys, hpctui.ssh.connect, asyncssh; print(sorted({'cryptography.x509', 'email'} & set(sys.modules)))"


def _loaded(prelude: str, pythonpath: Path | None = None) -> str:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)} if pythonpath is not None else None
    probe = subprocess.run([sys.executable, "-c", prelude + PROBE], capture_output=True, text=True, check=True, env=env)
    return probe.stdout.strip()


def test_without_pyopenssl_the_ssh_layer_loads_no_x509_support_it_could_not_use() -> None:
    assert _loaded("import sys; sys.modules['OpenSSL'] = None; ") == "[]"  # as if not installed


def test_with_pyopenssl_asyncssh_keeps_its_x509_support(tmp_path: Path) -> None:
    package = tmp_path / "OpenSSL"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "crypto.py").write_text("")
    assert "cryptography.x509" in _loaded("", pythonpath=tmp_path)
