"""hpctui: SLURM jobs on several clusters, one SSH connection each, from the keyboard."""

import importlib.util
import sys

__version__ = "0.1.0"

# asyncssh tries its X.509 certificate support when imported: it loads cryptography's x509
# (and the email package), then gives up without pyOpenSSL, which hpctui does not need. Where
# pyOpenSSL is missing, that module is marked absent up front: the same outcome, for 1.1 MiB
# of memory and about 15 ms of every start less.
if importlib.util.find_spec("OpenSSL") is None:
    sys.modules.setdefault("asyncssh.crypto.x509", None)  # type: ignore[arg-type]
