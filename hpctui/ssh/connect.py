"""One connection attempt of a ClusterLink.

Builds the asyncssh options from the cluster's ``SshTarget`` on top of the ssh config
(``config=[path]`` resolves Host/HostName/User/Port/IdentityFile/ProxyJump; explicit fields
win), checks the host key of the target and of every ProxyJump hop against the same
known_hosts and asks the human through the ``Prompter`` for unknown host keys, one-time codes,
passwords and key passphrases. The agent is forwarded only when the cluster's config says so. ``Connector`` lives as long as the link,
so what the human said (a host key accepted once, a key passphrase) holds across reconnects.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import socket
import threading
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

import asyncssh

from hpctui.config.model import Cluster
from hpctui.ssh.hostkeys import HostKeyProblem, KnownHosts
from hpctui.ssh.types import HostKeyChanged, LinkError, LinkFailed, Prompter

T = TypeVar("T")
KEEPALIVE_COUNT_MAX = 3
PROMPT_ROUNDS = 3  # password or one-time code rounds per attempt, as OpenSSH's NumberOfPasswordPrompts


class AttemptFailed(Exception):
    """A connection attempt failed; ``str()`` is the reason, without the cluster name.

    ``error`` is the public exception class callers see; ``fatal`` ones stop the retry loop.
    """

    fatal = False
    error: type[LinkError] = LinkError


class Unreachable(AttemptFailed):
    """Network trouble, a dropped handshake, a timeout: worth another try later."""


class Refused(AttemptFailed):
    fatal = True
    error = LinkFailed


class KeyChanged(AttemptFailed):
    fatal = True
    error = HostKeyChanged


class UnknownHost(AttemptFailed):
    """The host is not in known_hosts: the link asks the human, then tries again or gives up."""

    def __init__(self, problem: HostKeyProblem) -> None:
        super().__init__(f"unknown host key for {problem.spec} ({problem.key_type} {problem.fingerprint})")
        self.problem = problem


class LinkClient(asyncssh.SSHClient):
    """asyncssh's callbacks for one connection: host key check, auth prompts, loss."""

    def __init__(self, connector: Connector) -> None:
        self._connector = connector
        self.problem: HostKeyProblem | None = None
        self.tried: list[str] = []
        self.cancelled = False
        self.closed = False
        self.lost: Exception | None = None
        self._rounds = {"password": 0, "keyboard-interactive": 0}

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.lost = exc

    def validate_host_public_key(self, host: str, addr: str, port: int, key: asyncssh.SSHKey) -> bool:
        # Called only when known_hosts has no match for this key. asyncssh wants an answer
        # now, so remember the key and refuse; the link asks the human and tries again.
        if self._connector.accepted_once(host, port, key):
            return True
        changed = self._connector.known_hosts.has_other_key(host, addr, port)
        self.problem = HostKeyProblem(host, port, key, changed)
        return False

    def begin_auth(self, username: str) -> None:
        self._connector.on_authenticating()

    def public_key_auth_requested(self) -> None:
        # asyncssh calls this once its own keys (agent, IdentityFile) are used up.
        self._note("publickey")

    async def kbdint_auth_requested(self) -> str | None:
        return "" if self._may_prompt("keyboard-interactive") else None

    async def kbdint_challenge_received(
        self, name: str, instructions: str, lang: str, prompts: Sequence[tuple[str, bool]]
    ) -> list[str] | None:
        answers = []
        for index, (prompt, echo) in enumerate(prompts):
            text = f"{instructions.strip()}\n{prompt}" if index == 0 and instructions.strip() else prompt
            answer = await self._connector.ask(text, echo)
            if answer is None:
                self.cancelled = True
                return None
            answers.append(answer)
        return answers

    async def password_auth_requested(self) -> str | None:
        if not self._may_prompt("password"):
            return None
        answer = await self._connector.ask(f"{self._connector.destination} password: ", False)
        self.cancelled = self.cancelled or answer is None
        return answer

    def _may_prompt(self, method: str) -> bool:
        """Another round of ``method``? Needs a prompter and stops after a few wrong answers."""
        if self._connector.prompter is None or self.cancelled or self._rounds[method] >= PROMPT_ROUNDS:
            return False
        self._rounds[method] += 1
        self._note(method)
        return True

    def _note(self, method: str) -> None:
        if method not in self.tried:
            self.tried.append(method)


class Connector:
    """Makes the connections of one link."""

    def __init__(self, cluster: Cluster, prompter: Prompter | None, on_authenticating: Callable[[], None]) -> None:
        self.cluster = cluster
        self.prompter = prompter
        self.on_authenticating = on_authenticating
        self.known_hosts = KnownHosts([cluster.ssh.known_hosts] if cluster.ssh.known_hosts else [])
        self._accepted: set[tuple[str, int, bytes]] = set()
        self._passphrases: dict[str, str] = {}
        self._deadline: asyncio.Timeout | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._last_key_file = ""
        self._unlocking: list[str] = []  # key files a passphrase was needed for in this attempt

    @property
    def destination(self) -> str:
        return self.cluster.ssh.destination

    async def connect(self) -> tuple[asyncssh.SSHClientConnection, LinkClient]:
        """One attempt; raises an ``AttemptFailed`` subclass."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        options = await self._options()
        client = LinkClient(self)
        target = self.cluster.ssh
        hop: asyncssh.SSHClientConnection | None = None
        try:
            async with asyncio.timeout(target.connect_timeout_s) as self._deadline:
                if isinstance(options.tunnel, str):
                    hop = await self._jump(options.tunnel, options)
                conn = await self._login(client, self.destination, options=options, tunnel=hop or ())
        except TimeoutError as exc:
            _close_quietly(hop)
            if self._deadline is not None and self._deadline.expired():
                raise Unreachable(f"no answer from {self.destination} within {target.connect_timeout_s:g} s") from exc
            raise Unreachable(str(exc) or "timed out") from exc
        except BaseException:
            _close_quietly(hop)
            raise
        finally:
            self._deadline = None
        conn.set_tunnel(hop)  # closing the connection closes its hops
        return conn, client

    async def _login(self, client: LinkClient, host: str, **options: object) -> asyncssh.SSHClientConnection:
        """One SSH login checked against our known_hosts, with ``client``'s callbacks."""
        try:
            return await asyncssh.connect(
                host, known_hosts=self.known_hosts.load(), client_factory=lambda: client, **options
            )
        except asyncssh.HostKeyNotVerifiable as exc:
            raise self._host_key_error(client, exc) from exc
        except asyncssh.PermissionDenied as exc:
            raise Refused(self._auth_failure(client)) from exc
        except socket.gaierror as exc:
            raise Unreachable(f"{_describe(exc)} ({host!r}: a typo, or no Host entry in the ssh config?)") from exc
        except (OSError, asyncssh.Error) as exc:
            raise Unreachable(_describe(exc)) from exc

    async def _jump(self, jumps: str, options: asyncssh.SSHClientConnectionOptions) -> asyncssh.SSHClientConnection:
        """Log in to each ProxyJump hop in turn, each through the one before.

        asyncssh's own hops would use the default known_hosts and accept no prompter: ours are
        checked like the target (same known_hosts, same questions about unknown keys, one-time
        codes asked the same way) and never forward the agent.
        """
        hop: asyncssh.SSHClientConnection | None = None
        try:
            for spec in jumps.split(","):
                username, host, port = _jump_spec(spec)
                try:
                    conn = await self._login(
                        LinkClient(self),
                        host,
                        port=port,
                        username=username,
                        tunnel=hop or (),
                        config=self._config_paths(),
                        client_keys=self._identity_files() or (),
                        passphrase=options.passphrase,
                        agent_forwarding=False,
                        ignore_encrypted=True,
                        connect_timeout=None,
                    )
                except (Refused, Unreachable) as failed:
                    raise type(failed)(f"jump host {spec}: {failed}") from failed
                conn.set_tunnel(hop)
                hop = conn
        except BaseException:
            _close_quietly(hop)
            raise
        assert hop is not None
        return hop

    def accepted_once(self, host: str, port: int, key: asyncssh.SSHKey) -> bool:
        return (host, port, key.public_data) in self._accepted

    def accept_once(self, problem: HostKeyProblem) -> None:
        self._accepted.add((problem.host, problem.port, problem.key.public_data))

    async def ask(self, prompt: str, echo: bool) -> str | None:
        assert self.prompter is not None
        return await self._human(self.prompter.ask(self.cluster.name, prompt, echo))

    async def _options(self) -> asyncssh.SSHClientConnectionOptions:
        self._unlocking.clear()
        try:
            try:
                options = await self._construct(self._passphrase if self.prompter else None)
            except TypeError:
                # asyncssh 2.24 cannot use a passphrase callback for an encrypted key without a
                # .pub file beside it (it asks, then passes the callback on as the passphrase).
                # The callback has just been answered: hand over the answer itself.
                options = await self._construct(self._passphrases.get(self._last_key_file))
        except (OSError, ValueError) as exc:  # asyncssh.KeyImportError is a ValueError
            if self._unlocking:
                self._forget_passphrases()
                raise Refused(f"cannot decrypt {', '.join(self._unlocking)}: {_describe(exc)}") from exc
            raise Refused(f"ssh settings for {self.destination}: {_describe(exc)}") from exc
        if not self.cluster.ssh.known_hosts:
            paths = options.known_hosts
            self.known_hosts = KnownHosts([str(p) for p in paths] if isinstance(paths, (list, tuple)) else [])
        return options

    async def _construct(self, passphrase: object) -> asyncssh.SSHClientConnectionOptions:
        options: asyncssh.SSHClientConnectionOptions = await asyncssh.SSHClientConnectionOptions.construct(
            **self._option_args(), passphrase=passphrase
        )
        return options

    def _option_args(self) -> dict[str, object]:
        target = self.cluster.ssh
        args: dict[str, object] = {
            "host": self.destination,
            "config": self._config_paths(),
            "keepalive_interval": target.keepalive_s,
            "keepalive_count_max": KEEPALIVE_COUNT_MAX,
            "connect_timeout": None,  # our own deadline, paused while the human types
            "ignore_encrypted": True,
            # Only when the cluster's config asks: never because ~/.ssh/config says ForwardAgent.
            "agent_forwarding": target.forward_agent,
        }
        explicit = {
            "port": target.port,
            "username": target.user,
            "client_keys": self._identity_files(),
            "tunnel": target.proxy_jump,
        }
        args.update({name: value for name, value in explicit.items() if value is not None})
        return args

    def _config_paths(self) -> list[str] | tuple[()]:
        ssh_config = self.cluster.ssh.ssh_config
        return [str(Path(ssh_config).expanduser())] if ssh_config else ()

    def _identity_files(self) -> list[str] | None:
        identity = self.cluster.ssh.identity_file
        return [str(Path(identity).expanduser())] if identity else None

    def _passphrase(self, key_file: str) -> str | None:
        """asyncssh calls this from a worker thread when it needs to decrypt ``key_file``.

        Answers are kept for the life of the link (like an agent would) so that reconnects do
        not ask again; a failed decryption forgets them.
        """
        self._last_key_file = key_file
        if key_file not in self._unlocking:
            self._unlocking.append(key_file)
        if key_file in self._passphrases:
            return self._passphrases[key_file]
        if threading.get_ident() == self._loop_thread or self._loop is None or self.prompter is None:
            return None  # never block the event loop waiting for itself
        asked = self._human(self.prompter.passphrase(self.cluster.name, key_file))
        answer = asyncio.run_coroutine_threadsafe(asked, self._loop).result()
        if answer is not None:
            self._passphrases[key_file] = answer
        return answer

    def _forget_passphrases(self) -> None:
        for key_file in self._unlocking:
            self._passphrases.pop(key_file, None)

    async def _human(self, asked: Awaitable[T]) -> T:
        """Await a prompt with the connect deadline paused: people type slower than networks."""
        deadline = self._deadline
        if deadline is not None:
            deadline.reschedule(None)
        try:
            return await asked
        finally:
            if deadline is not None and self._deadline is deadline:
                deadline.reschedule(asyncio.get_running_loop().time() + self.cluster.ssh.connect_timeout_s)

    def _host_key_error(self, client: LinkClient, exc: Exception) -> AttemptFailed:
        problem = client.problem
        if problem is None:
            return Refused(str(exc))
        if not problem.changed:
            return UnknownHost(problem)
        first = self.known_hosts.paths[0]
        return KeyChanged(
            f"host key for {problem.spec} has CHANGED (now {problem.key_type} {problem.fingerprint}); "
            f"refusing to connect. If the change is expected, run: ssh-keygen -R '{problem.spec}' -f {first}"
        )

    def _auth_failure(self, client: LinkClient) -> str:
        if client.cancelled:
            return "authentication cancelled"
        tried = ", ".join(client.tried) or "no usable method"
        if self._unlocking:
            # The server accepted the key (asyncssh asks for a passphrase only then), so the
            # signature failed: the key could not be decrypted.
            self._forget_passphrases()
            tried += f"; cannot decrypt {', '.join(self._unlocking)}: {_decrypt_hint(self._unlocking)}"
        return f"authentication failed ({tried})"


def _jump_spec(spec: str) -> tuple[str | tuple[()], str, int | tuple[()]]:
    """``[user@]host[:port]`` of a ProxyJump hop; ``()`` where asyncssh takes the ssh config's value."""
    username, _, host = spec.strip().rpartition("@")
    name, colon, port = host.rpartition(":")
    if colon and port.isdigit():
        return username or (), name.strip("[]"), int(port)
    return username or (), host, ()


def _close_quietly(conn: asyncssh.SSHClientConnection | None) -> None:
    if conn is not None:
        conn.close()


def _decrypt_hint(key_files: list[str]) -> str:
    """asyncssh needs the optional bcrypt module for encrypted keys in OpenSSH's own format."""
    if importlib.util.find_spec("bcrypt") is None and any(_openssh_format(path) for path in key_files):
        return "OpenSSH-format keys need the Python bcrypt module (pip install bcrypt)"
    return "wrong passphrase?"


def _openssh_format(path: str) -> bool:
    try:
        with open(path, "rb") as key:
            return key.read(36).startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----")
    except OSError:
        return False


def _describe(exc: BaseException) -> str:
    """The reason in words: ``Connection refused``, not ``[Errno 111] Connect call failed (...)``;
    a name the resolver does not know: ``cannot resolve the host name: Name or service not known``."""
    if isinstance(exc, socket.gaierror):
        return f"cannot resolve the host name: {exc.strerror or exc}"
    if isinstance(exc, OSError) and exc.errno:
        return os.strerror(exc.errno)
    return str(exc) or type(exc).__name__
