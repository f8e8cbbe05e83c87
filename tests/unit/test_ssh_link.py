"""ClusterLink over real SSH: an in-process asyncssh server on 127.0.0.1 (tests/sshserver.py)."""

from __future__ import annotations

import asyncio
import re

import pytest
from sshserver import LocalSshServer
from waiting import eventually

from hpctui.ssh.backoff import Backoff
from hpctui.ssh.link import ClusterLink, command_name, under_sh
from hpctui.ssh.types import CommandTimeout, LinkError, LinkState, LinkStatus

FAST = dict(base=0.05, cap=0.2)


@pytest.fixture
async def server(tmp_path):
    async with LocalSshServer(tmp_path) as server:
        yield server


@pytest.fixture
async def link(server):
    link = ClusterLink(server.cluster(), backoff=Backoff(**FAST))
    await link.start()
    await link.wait_connected(10)
    yield link
    await link.close()


async def wait_for_state(link: ClusterLink, state: LinkState, timeout: float = 10) -> LinkStatus:
    """Wait until the link reports ``state`` (now or through a later status change)."""
    reached: asyncio.Future[LinkStatus] = asyncio.get_running_loop().create_future()

    def check(status: LinkStatus) -> None:
        if status.state is state and not reached.done():
            reached.set_result(status)

    unsubscribe = link.subscribe(check)
    check(link.status)
    try:
        return await asyncio.wait_for(reached, timeout)
    finally:
        unsubscribe()


async def test_run_returns_output_status_and_stderr(link):
    result = await link.run("echo out; echo err >&2; exit 3")
    assert (result.exit_status, result.stdout, result.stderr, result.ok) == (3, "out\n", "err\n", False)


async def test_run_feeds_input_and_closes_stdin(link):
    assert (await link.run("tr a-z A-Z", input="shout\n")).stdout == "SHOUT\n"
    assert (await link.run("cat")).stdout == ""  # stdin at EOF: never waits for a keyboard


async def test_commands_go_verbatim_to_the_remote_shell(link):
    result = await link.run("X='a b'; printf '%s|' $X \"$X\"")
    assert result.stdout == "a|b|a b|"


async def test_timeout_names_program_and_seconds_and_ends_the_channel(link, server):
    with pytest.raises(CommandTimeout, match=r"alpha: sleep timed out after 0\.3 s"):
        await link.run("sleep 30", timeout=0.3)
    await eventually(lambda: server.sessions_open == 0)
    assert (await link.run("echo still usable")).ok


NASTY = 'printf \'%s|\' "it\'s" \'a!b\' \\\\x\nfor w in \u00e9t\u00e9 "$HOME"; do echo "[$w]"; done'


def test_the_login_shell_sees_only_characters_every_shell_passes_literally():
    # tcsh: no newline and no ! inside single quotes; fish: no backslash; nobody: no quote.
    wrapped = under_sh(NASTY)
    quoted = re.fullmatch(r"exec sh -c '([^']*)'", wrapped)
    assert quoted is not None
    assert re.fullmatch(r'[A-Za-z0-9+/=$"()|&; -]*', quoted.group(1))


async def test_commands_with_newlines_quotes_and_bangs_run_as_sh_would(link):
    import subprocess

    expected = subprocess.run(["sh", "-c", NASTY], capture_output=True, text=True, check=True).stdout
    result = await link.run(NASTY)
    assert (result.stdout, result.exit_status) == (expected, 0)
    assert result.command == NASTY  # users see the readable command, never the transport


async def test_the_transport_keeps_exit_status_stdin_and_positional_arguments(link):
    result = await link.run("sh -c 'cat; exit 7' name-of-script", input="kept\n")
    assert (result.stdout, result.exit_status) == ("kept\n", 7)


def test_command_name_skips_env_and_assignments():
    assert command_name("env -u SQUEUE_FORMAT -i A=1 squeue --me") == "squeue"
    assert command_name("LANG=C sacct -X") == "sacct"
    assert command_name("scontrol show job 5") == "scontrol"
    assert command_name("echo 'unbalanced") == "echo"


async def test_state_transitions_through_a_drop_and_close(server):
    seen: list[LinkStatus] = []
    link = ClusterLink(server.cluster(), backoff=Backoff(**FAST))
    unsubscribe = link.subscribe(seen.append)
    await link.start()
    await link.wait_connected(10)
    server.drop_connections()
    await wait_for_state(link, LinkState.BACKING_OFF)
    await link.wait_connected(10)
    await link.close()
    states = [status.state for status in seen]
    connect = [LinkState.CONNECTING, LinkState.AUTHENTICATING, LinkState.CONNECTED]
    assert states == connect + [LinkState.BACKING_OFF] + connect + [LinkState.DISCONNECTED]
    backing_off = seen[3]
    assert backing_off.detail.startswith("next try in ") and backing_off.retry_at is not None
    unsubscribe()
    await link.start()
    await link.wait_connected(10)
    assert len(seen) == len(states)  # unsubscribed: no more calls
    await link.close()


async def test_server_going_away_backs_off_then_reconnects_when_back(server):
    link = ClusterLink(server.cluster(), backoff=Backoff(**FAST))
    await link.start()
    await link.wait_connected(10)
    await server.stop()
    await wait_for_state(link, LinkState.BACKING_OFF)
    await asyncio.sleep(0.5)  # several refused attempts while the server is away
    assert link.status.state is not LinkState.CONNECTED
    refused = await wait_for_state(link, LinkState.BACKING_OFF)
    assert "refused" in refused.reason.lower() or "connect call failed" in refused.reason.lower()
    await server.start()
    await link.wait_connected(10)
    assert (await link.run("echo back")).stdout == "back\n"
    await link.close()


async def test_run_while_down_fails_at_once_with_next_try(server):
    link = ClusterLink(server.cluster(), backoff=Backoff(base=5, cap=5, rand=lambda: 0.79))
    await link.start()
    await link.wait_connected(10)
    await server.stop()
    await wait_for_state(link, LinkState.BACKING_OFF)
    with pytest.raises(LinkError, match=r"^alpha: not connected \(backing off, next try in 4 s\)$"):
        await asyncio.wait_for(link.run("echo hi"), 2)
    with pytest.raises(LinkError, match=r"alpha: not connected after 0\.2 s \(backing off"):
        await link.wait_connected(0.2)
    await link.close()


async def test_drop_mid_command_raises_a_clear_link_error(link, server):
    running = asyncio.create_task(link.run("sleep 30"))
    await eventually(lambda: server.sessions_open == 1)
    server.drop_connections()
    with pytest.raises(LinkError, match=r"alpha: connection lost while running sleep"):
        await asyncio.wait_for(running, 5)
    await link.wait_connected(10)
    assert (await link.run("echo again")).ok


async def test_stream_yields_chunks_and_closing_ends_the_remote_command(link, server):
    received = b""
    async with link.stream("echo first; sleep 30") as chunks:
        async for chunk in chunks:
            received += chunk
            break
        assert server.sessions_open == 1
    assert received == b"first\n"
    await eventually(lambda: server.sessions_open == 0)


async def test_stream_reaches_its_end(link):
    async with link.stream("for i in 1 2 3; do echo $i; sleep 0.01; done") as chunks:
        data = b"".join([chunk async for chunk in chunks])
    assert data == b"1\n2\n3\n"


async def test_stream_raises_link_error_when_the_link_drops(link, server):
    async with link.stream("while true; do echo tick; sleep 0.05; done") as chunks:
        with pytest.raises(LinkError, match="alpha: connection lost while running while"):
            async for _ in chunks:
                server.drop_connections()
    await link.wait_connected(10)


async def test_reconnect_replaces_the_connection(link, server):
    await link.reconnect()
    await link.wait_connected(10)
    assert server.connections_accepted == 2 and len(server.connections) == 1


async def test_close_stops_everything(link, server):
    await link.close()
    assert link.status.state is LinkState.DISCONNECTED
    await eventually(lambda: not server.connections)
    with pytest.raises(LinkError, match=r"alpha: not connected \(disconnected\)"):
        await link.run("echo no")
    with pytest.raises(LinkError, match=r"alpha: not connected \(disconnected\)"):
        await link.wait_connected(1)


async def test_process_pipes_binary_data_and_reports_exit_and_stderr(link, server):
    payload = bytes(range(256)) * 64
    async with link.process("cat; echo done >&2; exit 4") as process:
        process.stdin.write(payload)
        process.stdin.write_eof()
        received = await process.stdout.read()
        complaint = await process.stderr.read()
        await process.wait()
    assert (received, complaint, process.exit_status) == (payload, b"done\n", 4)
    await eventually(lambda: server.sessions_open == 0)


async def test_wait_settled_returns_when_the_first_attempt_is_refused(server):
    """A one-shot command (hpctui status) does not wait out the connect timeout for a login node
    that refused the connection at once: the link settles in BACKING_OFF."""
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    link = ClusterLink(server.cluster(port=closed_port, connect_timeout_s=600.0), backoff=Backoff(**FAST))
    await link.start()
    try:
        await link.wait_settled(600.0)
        assert link.status.state is LinkState.BACKING_OFF
        assert "refused" in link.status.reason.lower()
    finally:
        await link.close()


async def test_wait_settled_returns_once_connected(server):
    link = ClusterLink(server.cluster(), backoff=Backoff(**FAST))
    await link.start()
    try:
        await link.wait_settled(10)
        assert link.status.state is LinkState.CONNECTED
    finally:
        await link.close()
