"""Host key checking against the lab's real sshd: changed keys are fatal, unknown ones are asked about."""

from __future__ import annotations

import re
from dataclasses import replace

import asyncssh
import pytest
from sshserver import ScriptedPrompter

from hpctui.ssh.link import ClusterLink
from hpctui.ssh.types import HostKeyChanged, HostKeyDecision, LinkFailed, LinkState

pytestmark = pytest.mark.lab


def with_known_hosts(lab, cluster: str, path) -> object:
    config = lab.config.cluster(cluster)
    return replace(config, ssh=replace(config.ssh, known_hosts=str(path)))


def lab_known_hosts_line(lab, cluster: str) -> str:
    """The lab's known_hosts entry for ``cluster``: ``[127.0.0.1]:PORT ssh-ed25519 KEY``."""
    ports = dict(line.split("=", 1) for line in (lab.dir / "lab.env").read_text().split())
    spec = f"[127.0.0.1]:{ports[f'SSH_PORT_{cluster.upper()}']}"
    return next(line for line in lab.known_hosts.read_text().splitlines() if line.split()[0] == spec)


async def test_known_hosts_mismatch_is_host_key_changed(lab, tmp_path):
    spec = lab_known_hosts_line(lab, "alpha").split()[0]
    impostor = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode()
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"{spec} {impostor}")
    prompter = ScriptedPrompter(host_key=HostKeyDecision.ACCEPT_SAVE)
    link = ClusterLink(with_known_hosts(lab, "alpha", known_hosts), prompter)
    await link.start()
    with pytest.raises(HostKeyChanged, match=f"alpha: .*host key for {re.escape(spec)} has CHANGED"):
        await link.wait_connected(30)
    await link.close()
    assert prompter.asked == []


async def test_unknown_host_asks_and_reject_means_failed(lab, tmp_path):
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    prompter = ScriptedPrompter(host_key=HostKeyDecision.REJECT)
    link = ClusterLink(with_known_hosts(lab, "beta", known_hosts), prompter)
    await link.start()
    with pytest.raises(LinkFailed, match="host key rejected"):
        await link.wait_connected(30)
    assert link.status.state is LinkState.FAILED
    await link.close()
    expected_key = asyncssh.import_public_key(" ".join(lab_known_hosts_line(lab, "beta").split()[1:]))
    spec = lab_known_hosts_line(lab, "beta").split()[0]
    assert prompter.asked == [("host key", "beta", spec, "ssh-ed25519", expected_key.get_fingerprint("sha256"))]
    assert known_hosts.read_text() == ""


async def test_unknown_host_accepted_and_saved_matches_the_lab_entry(lab, tmp_path):
    known_hosts = tmp_path / "known_hosts"
    link = ClusterLink(with_known_hosts(lab, "beta", known_hosts), ScriptedPrompter(HostKeyDecision.ACCEPT_SAVE))
    await link.start()
    await link.wait_connected(30)
    await link.close()
    assert known_hosts.read_text().split() == lab_known_hosts_line(lab, "beta").split()[:3]
