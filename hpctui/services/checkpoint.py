"""Read the latest training checkpoint of a job on the cluster: epoch, best loss, best metric.

The command is per cluster (``cluster.checkpoint_cmd``); the default is the field notes' torch
one-liner, loading ``outputs/latest.pt`` on the CPU. It runs in the job's WorkDir with a timeout.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from hpctui.config.model import Cluster
from hpctui.ssh.link import ClusterLink
from hpctui.ssh.types import CommandTimeout, LinkError

CHECKPOINT_PATH = "outputs/latest.pt"
TIMEOUT_S = 90.0  # importing torch from a shared file system on a busy login node is slow

DEFAULT_SCRIPT = f"""\
import torch
try:
    c = torch.load({CHECKPOINT_PATH!r}, map_location='cpu', weights_only=False)
except TypeError:  # torch < 1.13 has no weights_only
    c = torch.load({CHECKPOINT_PATH!r}, map_location='cpu')
if not isinstance(c, dict):
    raise SystemExit('checkpoint is a ' + type(c).__name__ + ', not a dict')
print(f'Epoch {{c.get("epoch", "?")}}, Loss {{c.get("best_val_loss", "?")}}, Metric {{c.get("best_val_metric", "?")}}')
"""
DEFAULT_COMMAND = "python3 -c " + shlex.quote(DEFAULT_SCRIPT)

_SUMMARY = re.compile(r"Epoch (?P<epoch>\S+), Loss (?P<loss>\S+), Metric (?P<metric>\S+)")


@dataclass(frozen=True)
class CheckpointInfo:
    epoch: str | None  # as printed; "?" becomes None
    best_loss: str | None
    best_metric: str | None
    output: str  # what the command printed, verbatim

    def summary(self) -> str:
        if self.epoch is None and self.best_loss is None and self.best_metric is None:
            return self.output
        return f"epoch {self.epoch or '?'}, best loss {self.best_loss or '?'}, best metric {self.best_metric or '?'}"


def checkpoint_command(work_dir: str, command: str | None) -> str:
    """``cd`` into the job's WorkDir, then the cluster's command (trusted config text, run as is)."""
    return f"cd {shlex.quote(work_dir)} && {command or DEFAULT_COMMAND}"


def parse_checkpoint_output(output: str) -> CheckpointInfo:
    found = _SUMMARY.search(output)
    if found is None:
        return CheckpointInfo(None, None, None, output.strip())
    epoch, loss, metric = (
        None if v in ("?", "None") else v.rstrip(",") for v in found.group("epoch", "loss", "metric")
    )
    return CheckpointInfo(epoch, loss, metric, output.strip())


def explain_failure(stderr: str, work_dir: str) -> str:
    """One line saying why the checkpoint could not be read."""
    if "No module named 'torch'" in stderr or 'No module named "torch"' in stderr:
        return "torch is not importable by python3 on the login node: load its module or venv in checkpoint_cmd"
    if "No such file or directory" in stderr and CHECKPOINT_PATH in stderr:
        return f"no checkpoint {CHECKPOINT_PATH} in {work_dir}"
    if "can't cd" in stderr or "cd:" in stderr:
        return f"work dir {work_dir} is not accessible"
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "the checkpoint command failed without a message"


async def read_checkpoint(
    link: ClusterLink, cluster: Cluster, work_dir: str | None, *, timeout: float = TIMEOUT_S
) -> CheckpointInfo | str:
    """The checkpoint's summary, or one line of text saying why it could not be read."""
    if not work_dir:
        return "the job has no WorkDir"
    try:
        result = await link.run(checkpoint_command(work_dir, cluster.checkpoint_cmd), timeout=timeout)
    except CommandTimeout:
        return f"reading the checkpoint took longer than {timeout:g} s"
    except LinkError as error:
        return f"cannot read the checkpoint: {error}"
    if not result.ok:
        return explain_failure(result.stderr or result.stdout, work_dir)
    if not result.stdout.strip():
        return "the checkpoint command printed nothing"
    return parse_checkpoint_output(result.stdout)
