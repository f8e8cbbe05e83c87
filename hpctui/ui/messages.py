"""Textual messages the UI makes of the services' plain callbacks."""

from __future__ import annotations

from textual.message import Message

from hpctui.slurm.models import Snapshot
from hpctui.ssh.types import LinkStatus


class SnapshotArrived(Message):
    """A poller published a new snapshot of one cluster."""

    bubble = False

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class LinkChanged(Message):
    """A cluster's connection changed state."""

    bubble = False

    def __init__(self, status: LinkStatus) -> None:
        super().__init__()
        self.status = status
