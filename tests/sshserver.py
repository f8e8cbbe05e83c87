"""Test support: a real SSH server on 127.0.0.1 (asyncssh) running each command with /bin/sh.

Test support only (kept out of the package). It lets tests drive a ``ClusterLink`` over real SSH without the
lab: it can limit sessions per connection like OpenSSH's ``MaxSessions``, require a one-time
code, drop every connection (or each one right after its login), stop listening and start
again on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from dataclasses import replace
from pathlib import Path

import asyncssh

from hpctui.config.model import Cluster, SshTarget
from hpctui.ssh.hostkeys import host_spec
from hpctui.ssh.types import HostKeyDecision

USER = "tester"
CHUNK = 65536


class LocalSshServer:
    """Files (keys, known_hosts, an empty ssh config) live in ``directory``."""

    def __init__(self, directory: Path, *, max_sessions: int = 10) -> None:
        self.directory = directory
        self.max_sessions = max_sessions
        self.accept_key = True  # public key auth with the generated client key
        self.otp: str | None = None  # when set, keyboard-interactive asks for this code
        self.drop_after_login = False  # a login node that closes every session right after the login
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.client_key = asyncssh.generate_private_key("ssh-ed25519")
        self.key_path = directory / "id_ed25519"
        self.known_hosts_path = directory / "known_hosts"
        self.ssh_config_path = directory / "ssh_config"
        self.port = 0
        self.connections_accepted = 0
        self.logins = 0
        self.sessions_open = 0
        self.sessions_serving = 0  # sessions running a command (what stop() waits for)
        self.sessions_peak = 0
        self.sessions_refused = 0
        self.connections: set[asyncssh.SSHServerConnection] = set()  # open right now
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self.write_client_key()
        self.ssh_config_path.write_text("")
        self.trust_host_key()

    # ---- files ----------------------------------------------------------------------------

    def write_client_key(self, passphrase: str | None = None, *, with_public: bool = True) -> None:
        # Encrypted OpenSSH-format keys need the optional bcrypt module; PKCS#8 does not.
        if passphrase:
            private = self.client_key.export_private_key("pkcs8-pem", passphrase, pbe_version=2)
        else:
            private = self.client_key.export_private_key("openssh")
        self.key_path.write_bytes(private)
        self.key_path.chmod(0o600)
        public = self.key_path.with_suffix(".pub")
        public.unlink(missing_ok=True)
        if with_public:
            public.write_bytes(self.client_key.export_public_key())

    def trust_host_key(self, key: asyncssh.SSHKey | None = None) -> None:
        """Write known_hosts with ``key`` (default: the server's real key) for this server."""
        public = (key or self.host_key).export_public_key().decode().split()
        self.known_hosts_path.write_text(f"{host_spec('127.0.0.1', self.port)} {public[0]} {public[1]}\n")

    def cluster(self, name: str = "alpha", **ssh: object) -> Cluster:
        """A cluster reaching this server; ``ssh`` overrides SshTarget fields."""
        target = SshTarget(
            host="127.0.0.1",
            port=self.port,
            user=USER,
            identity_file=str(self.key_path),
            known_hosts=str(self.known_hosts_path),
            ssh_config=str(self.ssh_config_path),
            connect_timeout_s=5.0,
            command_timeout_s=10.0,
        )
        return Cluster(name=name, ssh=replace(target, **ssh))

    # ---- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen (again) on the same port as before, or on a free one the first time."""
        first = self.port == 0
        self._acceptor = await asyncssh.create_server(
            lambda: _Server(self),
            "127.0.0.1",
            self.port,
            server_host_keys=[self.host_key],
            encoding=None,
            reuse_address=True,
        )
        self.port = self._acceptor.sockets[0].getsockname()[1]
        if first:
            self.trust_host_key()

    async def stop(self) -> None:
        """Stop listening and drop every connection, like a login node going away."""
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
            self._acceptor = None
        self.drop_connections()
        async with asyncio.timeout(5):  # let every session reap its command
            while self.sessions_serving:
                await asyncio.sleep(0.01)
        # A channel dropped between its open and its command never ran ``_serve``: it holds no
        # process, and with every connection gone no session is open any more.
        self.sessions_open = 0

    async def __aenter__(self) -> LocalSshServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def drop_connections(self) -> None:
        for conn in list(self.connections):
            conn.abort()

    # ---- sessions -------------------------------------------------------------------------

    def _open_session(self) -> asyncssh.SSHServerProcess | bool:
        if self.sessions_open >= self.max_sessions:
            self.sessions_refused += 1
            return False
        self.sessions_open += 1
        self.sessions_peak = max(self.sessions_peak, self.sessions_open)
        return asyncssh.SSHServerProcess(self._serve, None, 0, False)

    async def _serve(self, process: asyncssh.SSHServerProcess) -> None:
        self.sessions_serving += 1
        try:
            local = await asyncio.create_subprocess_shell(
                process.command or "true",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
            status = await _relay(process, local)
            if status is not None:
                process.exit(status)
        finally:
            self.sessions_serving -= 1
            self.sessions_open -= 1


async def _relay(process: asyncssh.SSHServerProcess, local: asyncio.subprocess.Process) -> int | None:
    """Connect the channel to the local process; None when the client went away first."""
    feeding = asyncio.ensure_future(_feed(process.stdin, local))
    output = asyncio.gather(_copy(local.stdout, process.stdout), _copy(local.stderr, process.stderr))
    finished = asyncio.ensure_future(_finish(output, local))
    closed = asyncio.ensure_future(process.channel.wait_closed())  # not process.wait_closed(): that waits for us
    try:
        await asyncio.wait({finished, closed}, return_when=asyncio.FIRST_COMPLETED)
        return finished.result() if finished.done() else None
    finally:
        for task in (feeding, finished, closed, output):
            task.cancel()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(local.pid, signal.SIGKILL)  # the shell and whatever it started
        await local.wait()


async def _finish(output: asyncio.Future[object], local: asyncio.subprocess.Process) -> int:
    await output
    return await local.wait()


async def _feed(stdin: asyncssh.SSHReader[bytes], local: asyncio.subprocess.Process) -> None:
    assert local.stdin is not None
    try:
        while data := await stdin.read(CHUNK):
            local.stdin.write(data)
            await local.stdin.drain()
        local.stdin.close()
    except asyncssh.SignalReceived:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(local.pid, signal.SIGTERM)
    except (OSError, asyncssh.Error):
        pass  # the command stopped reading its input, or the client went away


async def _copy(source: asyncio.StreamReader | None, sink: asyncssh.SSHWriter[bytes]) -> None:
    assert source is not None
    while data := await source.read(CHUNK):
        sink.write(data)
        await sink.drain()


class _Server(asyncssh.SSHServer):
    def __init__(self, owner: LocalSshServer) -> None:
        self._owner = owner
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._owner.connections_accepted += 1
        self._owner.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        self._owner.connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return self._owner.accept_key and username == USER and key == self._owner.client_key.convert_to_public()

    def kbdint_auth_supported(self) -> bool:
        return self._owner.otp is not None

    def get_kbdint_challenge(self, username: str, lang: str, submethods: str) -> tuple[str, str, str, list]:
        return "", "Two-factor login", "", [("Verification code: ", False)]

    def validate_kbdint_response(self, username: str, responses: list[str]) -> bool:
        return list(responses) == [self._owner.otp]

    def auth_completed(self) -> None:
        self._owner.logins += 1
        if self._owner.drop_after_login and self._conn is not None:
            asyncio.get_running_loop().call_soon(self._conn.abort)

    def connection_requested(self, dest_host: str, dest_port: int, orig_host: str, orig_port: int) -> bool:
        return True  # a jump host: forward to wherever the client asks (direct-tcpip)

    def session_requested(self) -> asyncssh.SSHServerProcess | bool:
        return self._owner._open_session()


class ScriptedPrompter:
    """A ``Prompter`` answering from a script and recording every question it was asked."""

    def __init__(
        self,
        host_key: HostKeyDecision = HostKeyDecision.REJECT,
        answers: tuple[str | None, ...] = (),
        passphrase: str | None = None,
    ) -> None:
        self.host_key = host_key
        self.answers = list(answers)
        self.passphrase_answer = passphrase
        self.asked: list[tuple[str, ...]] = []

    async def unknown_host_key(self, cluster: str, host: str, key_type: str, fingerprint: str) -> HostKeyDecision:
        self.asked.append(("host key", cluster, host, key_type, fingerprint))
        return self.host_key

    async def ask(self, cluster: str, prompt: str, echo: bool) -> str | None:
        self.asked.append(("ask", cluster, prompt, str(echo)))
        return self.answers.pop(0) if self.answers else None

    async def passphrase(self, cluster: str, key_path: str) -> str | None:
        self.asked.append(("passphrase", cluster, key_path))
        return self.passphrase_answer
