"""Host keys, authentication and ssh config resolution, against a real in-process SSH server."""

from __future__ import annotations

import asyncio

import asyncssh
import pytest
from sshserver import USER, LocalSshServer, ScriptedPrompter

from hpctui.ssh.backoff import Backoff
from hpctui.ssh.connect import Connector
from hpctui.ssh.hostkeys import fingerprint
from hpctui.ssh.link import ClusterLink
from hpctui.ssh.types import HostKeyChanged, HostKeyDecision, LinkFailed, LinkState

FAST = Backoff(base=0.05, cap=0.2)


@pytest.fixture
async def server(tmp_path):
    async with LocalSshServer(tmp_path) as server:
        yield server


async def connect(server: LocalSshServer, prompter: ScriptedPrompter | None = None, **ssh: object) -> ClusterLink:
    link = ClusterLink(server.cluster(**ssh), prompter, backoff=FAST)
    await link.start()
    return link


async def bounce(link: ClusterLink, server: LocalSshServer) -> None:
    """Drop the connection on the server side and wait until the link has a new one."""
    accepted = server.connections_accepted
    server.drop_connections()
    async with asyncio.timeout(10):
        while server.connections_accepted == accepted or link.status.state is not LinkState.CONNECTED:
            await asyncio.sleep(0.01)


async def assert_failed(link: ClusterLink, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        await link.wait_connected(10)
    assert link.status.state is LinkState.FAILED
    await link.close()


# ---- host keys ------------------------------------------------------------------------------


async def test_unknown_host_accepted_and_saved_in_openssh_format(server):
    server.known_hosts_path.write_text("")
    prompter = ScriptedPrompter(host_key=HostKeyDecision.ACCEPT_SAVE)
    link = await connect(server, prompter)
    await link.wait_connected(10)
    await link.close()
    spec = f"[127.0.0.1]:{server.port}"
    assert prompter.asked == [("host key", "alpha", spec, "ssh-ed25519", fingerprint(server.host_key))]
    assert fingerprint(server.host_key).startswith("SHA256:") and "=" not in fingerprint(server.host_key)
    public = server.host_key.export_public_key().decode().split()
    assert server.known_hosts_path.read_text() == f"{spec} {public[0]} {public[1]}\n"
    again = ScriptedPrompter()
    link = await connect(server, again)
    await link.wait_connected(10)  # the saved key is trusted now: nobody is asked
    await link.close()
    assert again.asked == []


async def test_unknown_host_accepted_once_is_not_saved_but_survives_reconnects(server):
    server.known_hosts_path.write_text("")
    prompter = ScriptedPrompter(host_key=HostKeyDecision.ACCEPT_ONCE)
    link = await connect(server, prompter)
    await link.wait_connected(10)
    await bounce(link, server)
    await link.close()
    assert len(prompter.asked) == 1
    assert server.known_hosts_path.read_text() == ""


async def test_unknown_host_rejected_fails_without_retrying(server):
    server.known_hosts_path.write_text("")
    prompter = ScriptedPrompter(host_key=HostKeyDecision.REJECT)
    link = await connect(server, prompter)
    await assert_failed(link, LinkFailed, "^alpha: not connected \\(failed: host key rejected\\)$")
    assert server.connections_accepted == 1


async def test_unknown_host_without_a_prompter_is_rejected(server):
    server.known_hosts_path.write_text("")
    link = await connect(server)
    await assert_failed(link, LinkFailed, "unknown host key for \\[127.0.0.1\\]:\\d+ \\(SHA256:.*no way to ask")


async def test_changed_host_key_is_a_hard_error_and_nobody_is_asked(server):
    server.trust_host_key(asyncssh.generate_private_key("ssh-ed25519"))
    prompter = ScriptedPrompter(host_key=HostKeyDecision.ACCEPT_SAVE)
    link = await connect(server, prompter)
    await assert_failed(link, HostKeyChanged, f"host key for \\[127.0.0.1\\]:{server.port} has CHANGED")
    assert prompter.asked == []
    assert server.connections_accepted == 1


async def test_reconnect_leaves_failed_once_the_problem_is_fixed(server):
    server.trust_host_key(asyncssh.generate_private_key("ssh-ed25519"))
    link = await connect(server)
    with pytest.raises(HostKeyChanged):
        await link.wait_connected(10)
    server.trust_host_key()
    await link.reconnect()
    await link.wait_connected(10)
    await link.close()


# ---- authentication -------------------------------------------------------------------------


class RecordingBackoff(Backoff):
    """Short delays; remembers which backoff step each attempt waited and every reset."""

    def __init__(self) -> None:
        super().__init__(base=0.02, cap=0.05)
        self.steps: list[int] = []
        self.resets = 0

    def next_delay(self) -> float:
        self.steps.append(self.attempt)
        return super().next_delay()

    def reset(self) -> None:
        self.resets += 1
        super().reset()


async def test_a_node_dropping_every_session_after_login_gets_one_login_and_one_code_per_step(server):
    server.accept_key, server.otp, server.drop_after_login = False, "424242", True
    prompter = ScriptedPrompter(answers=("424242",) * 50)
    backoff = RecordingBackoff()
    link = ClusterLink(server.cluster(), prompter, backoff=backoff)
    await link.start()
    async with asyncio.timeout(20):
        while server.logins < 6:
            await asyncio.sleep(0.01)
    await link.close()
    assert backoff.resets == 0  # a login that did not last is no reason to hurry back
    assert backoff.steps == list(range(len(backoff.steps)))
    assert server.logins <= len(backoff.steps) + 1  # one login per backoff step
    codes = [question for question in prompter.asked if question[0] == "ask"]
    assert len(codes) == server.logins


async def test_the_backoff_starts_over_only_after_a_connection_stayed_up(server):
    backoff = RecordingBackoff()
    link = ClusterLink(server.cluster(), backoff=backoff, stable_after_s=0.5)
    await link.start()
    await link.wait_connected(10)
    await bounce(link, server)  # dropped at once: the next step waits longer
    assert backoff.resets == 0 and backoff.steps == [0]
    await asyncio.sleep(0.6)
    await bounce(link, server)  # dropped after it stayed up: from the first step again
    await link.close()
    assert backoff.resets == 1 and backoff.steps == [0, 0]


async def test_rejected_key_fails_once_and_names_the_methods_tried(server):
    server.accept_key = False
    link = await connect(server)
    await assert_failed(link, LinkFailed, "^alpha: not connected \\(failed: authentication failed \\(publickey\\)\\)$")
    await asyncio.sleep(0.3)  # with a 0.05 s backoff a retry loop would have come back by now
    assert server.connections_accepted == 1


async def test_one_time_code_through_keyboard_interactive(server):
    server.accept_key, server.otp = False, "424242"
    prompter = ScriptedPrompter(answers=("424242",))
    link = await connect(server, prompter)
    await link.wait_connected(10)
    await link.close()
    assert prompter.asked == [("ask", "alpha", "Two-factor login\nVerification code: ", "False")]


async def test_wrong_code_names_both_methods(server):
    server.accept_key, server.otp = False, "424242"
    prompter = ScriptedPrompter(answers=("000000",) * 5)
    link = await connect(server, prompter)
    await assert_failed(link, LinkFailed, "authentication failed \\(publickey, keyboard-interactive\\)")
    assert server.connections_accepted == 1
    assert len(prompter.asked) == 3  # three rounds, like OpenSSH's NumberOfPasswordPrompts


async def test_reconnect_leaves_failed_after_wrong_codes_and_asks_once_more(server):
    server.accept_key, server.otp = False, "424242"
    prompter = ScriptedPrompter(answers=("000000",) * 3 + ("424242",))
    link = await connect(server, prompter)
    with pytest.raises(LinkFailed):
        await link.wait_connected(10)
    assert link.status.state is LinkState.FAILED and len(prompter.asked) == 3
    await link.reconnect()
    await link.wait_connected(10)
    assert (await link.run("echo back")).stdout == "back\n"
    assert len(prompter.asked) == 4 and server.logins == 1
    await link.close()


async def test_cancelled_code_says_so(server):
    server.accept_key, server.otp = False, "424242"
    link = await connect(server, ScriptedPrompter(answers=(None,)))
    await assert_failed(link, LinkFailed, "authentication cancelled")


async def test_a_slow_human_does_not_hit_the_connect_timeout(server):
    server.accept_key, server.otp = False, "424242"

    class SlowPrompter(ScriptedPrompter):
        async def ask(self, cluster: str, prompt: str, echo: bool) -> str | None:
            await asyncio.sleep(0.6)
            return await super().ask(cluster, prompt, echo)

    link = await connect(server, SlowPrompter(answers=("424242",)), connect_timeout_s=0.3)
    await link.wait_connected(10)
    await link.close()


@pytest.mark.parametrize("with_public", [True, False], ids=["with .pub", "without .pub"])
async def test_encrypted_key_asks_for_the_passphrase_once(server, with_public):
    server.write_client_key("correct horse", with_public=with_public)
    prompter = ScriptedPrompter(passphrase="correct horse")
    link = await connect(server, prompter)
    await link.wait_connected(10)
    await bounce(link, server)
    await link.close()
    assert prompter.asked == [("passphrase", "alpha", str(server.key_path))]
    assert server.connections_accepted == 2


@pytest.mark.parametrize("with_public", [True, False], ids=["with .pub", "without .pub"])
async def test_wrong_passphrase_fails_with_the_key_named_and_is_forgotten(server, with_public):
    server.write_client_key("correct horse", with_public=with_public)
    prompter = ScriptedPrompter(passphrase="battery staple")
    link = await connect(server, prompter)
    await assert_failed(link, LinkFailed, f"cannot decrypt {server.key_path}")
    prompter.passphrase_answer = "correct horse"
    await link.reconnect()
    await link.wait_connected(10)
    await link.close()
    assert [question[0] for question in prompter.asked] == ["passphrase", "passphrase"]


# ---- ssh config -----------------------------------------------------------------------------


def write_ssh_config(server: LocalSshServer, port: int, extra: str = "") -> None:
    server.ssh_config_path.write_text(
        "Host testhost\n"
        "    HostName 127.0.0.1\n"
        f"    Port {port}\n"
        f"    User {USER}\n"
        f"    IdentityFile {server.key_path}\n"
        f"{extra}"
    )


def via_alias(server: LocalSshServer, **ssh: object) -> dict[str, object]:
    """SshTarget fields naming only the alias (plus ``ssh``): the rest comes from the config."""
    return {"alias": "testhost", "host": None, "port": None, "user": None, "identity_file": None} | ssh


async def test_alias_resolved_through_the_ssh_config(server):
    write_ssh_config(server, server.port)
    link = await connect(server, **via_alias(server))
    await link.wait_connected(10)
    assert (await link.run("echo via alias")).stdout == "via alias\n"
    await link.close()


async def test_explicit_fields_override_the_ssh_config(server):
    write_ssh_config(server, 1)  # a wrong port in the config
    link = await connect(server, **via_alias(server, port=server.port))
    await link.wait_connected(10)
    await link.close()


async def test_known_hosts_from_the_ssh_config_receives_accepted_keys(server, tmp_path):
    config_known_hosts = tmp_path / "from_config_known_hosts"
    write_ssh_config(server, server.port, f"    UserKnownHostsFile {config_known_hosts}\n")
    prompter = ScriptedPrompter(host_key=HostKeyDecision.ACCEPT_SAVE)
    link = await connect(server, prompter, **via_alias(server, known_hosts=None))
    await link.wait_connected(10)
    await link.close()
    assert len(prompter.asked) == 1
    assert config_known_hosts.read_text().startswith(f"[127.0.0.1]:{server.port} ssh-ed25519 ")


async def test_missing_identity_file_is_a_settings_failure(server, tmp_path):
    link = await connect(server, identity_file=str(tmp_path / "nope"))
    await assert_failed(link, LinkFailed, "ssh settings for 127.0.0.1")
    assert server.connections_accepted == 0


# ---- hygiene: agent forwarding, jump hosts ----------------------------------------------------


@pytest.mark.parametrize(("forward_agent", "expected"), [(False, None), (True, "/run/agent.sock")])
async def test_the_agent_is_forwarded_only_when_the_cluster_config_asks(server, monkeypatch, forward_agent, expected):
    monkeypatch.setenv("SSH_AUTH_SOCK", "/run/agent.sock")
    write_ssh_config(server, server.port, "    ForwardAgent yes\n")
    cluster = server.cluster(**via_alias(server, forward_agent=forward_agent))
    options = await Connector(cluster, None, lambda: None)._options()
    assert options.agent_forward_path == expected


async def test_a_jump_host_is_checked_against_the_clusters_known_hosts_with_its_prompter(server, tmp_path):
    (tmp_path / "jump").mkdir()
    async with LocalSshServer(tmp_path / "jump") as jump:
        jump.client_key = server.client_key  # the same key logs in to both
        prompter = ScriptedPrompter(host_key=HostKeyDecision.ACCEPT_SAVE)
        link = await connect(server, prompter, proxy_jump=f"{USER}@127.0.0.1:{jump.port}")
        await link.wait_connected(10)
        assert (await link.run("echo through the jump host")).stdout == "through the jump host\n"
        assert (jump.logins, server.logins) == (1, 1)
        spec = f"[127.0.0.1]:{jump.port}"
        assert prompter.asked == [("host key", "alpha", spec, "ssh-ed25519", fingerprint(jump.host_key))]
        assert f"{spec} ssh-ed25519 " in server.known_hosts_path.read_text()  # the cluster's file, not ~/.ssh
        await link.close()
        async with asyncio.timeout(5):
            while jump.connections:  # closing the link closes its hop
                await asyncio.sleep(0.01)


async def test_a_jump_host_that_refuses_the_login_is_named(server, tmp_path):
    (tmp_path / "jump").mkdir()
    async with LocalSshServer(tmp_path / "jump") as jump:
        server.known_hosts_path.write_text(server.known_hosts_path.read_text() + jump.known_hosts_path.read_text())
        link = await connect(server, proxy_jump=f"{USER}@127.0.0.1:{jump.port}")  # jump wants its own key
        await assert_failed(link, LinkFailed, rf"jump host {USER}@127.0.0.1:{jump.port}: authentication failed")
