"""What importing the SSH layer loads: asyncssh's X.509 support (cryptography's x509 and
the email package, 1.1 MiB) is skipped when pyOpenSSL, without which it fails, is missing."""

from __future__ import annotations

import importlib.util
import subprocess
import sys


def test_the_ssh_layer_loads_no_x509_support_it_could_not_use() -> None:
    assert importlib.util.find_spec("OpenSSL") is None  # hpctui does not install pyOpenSSL
    probe = "import sys, hpctui.ssh.connect, asyncssh; print(sorted({'cryptography.x509', 'email'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
