"""ClusterLink: exactly one SSH connection per cluster, with every command a channel on it.

A supervisor task connects, watches the connection and, when it drops, reconnects after an
exponential backoff with full jitter. Every attempt (so every login, and every one-time code
asked) waits its backoff step; the backoff starts again from its first step only after a
connection stayed up ``STABLE_AFTER_S``, so a login node that drops sessions right after the
login is not answered with a storm of logins. Authentication failures and host key problems stop
it in ``FAILED`` (a login node must never be hammered with bad credentials); ``reconnect()``
tries again. Commands and streams take channels from a ``ChannelBudget`` so the connection
stays under the server's ``MaxSessions``; a refused channel is retried, never answered with a
second connection.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import math
import shlex
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncssh

from hpctui.config.model import Cluster
from hpctui.ssh.backoff import Backoff
from hpctui.ssh.budget import DEFAULT_TOTAL, ChannelBudget, Kind
from hpctui.ssh.connect import AttemptFailed, Connector, LinkClient, UnknownHost
from hpctui.ssh.hostkeys import HostKeyProblem
from hpctui.ssh.types import (
    CommandTimeout,
    HostKeyDecision,
    LinkError,
    LinkFailed,
    LinkState,
    LinkStatus,
    Prompter,
    Result,
)
from hpctui.subscribers import Subscribers

log = logging.getLogger(__name__)

CHUNK = 65536
OPEN_RETRY_FIRST_S = 0.05  # first wait after the server refused a channel
OPEN_RETRY_MAX_S = 1.0
CLOSE_WAIT_S = 5.0
STABLE_AFTER_S = 60.0  # a connection that lived this long resets the backoff


class PortUnavailable(LinkError):
    """A local port cannot be listened on (taken, or not ours to take)."""


class ClusterLink:
    """The ONE SSH connection of one cluster, and everything that runs over it.

    Owns: the asyncssh connection (never more than one at a time), its supervisor task (connect,
    keepalive, reconnect with backoff), the channel budget and the human's answers (host keys
    accepted once, key passphrases) for the link's life. Guarantees: every command runs under
    ``sh`` whatever the login shell; a refused channel is retried on the same connection; a
    failure that retrying cannot fix stops in FAILED until ``reconnect()``. Its owner (a
    ``ClusterSession``) starts it with ``start()`` and ends it with ``close()``.
    """

    def __init__(
        self,
        cluster: Cluster,
        prompter: Prompter | None = None,
        *,
        backoff: Backoff | None = None,
        max_channels: int = DEFAULT_TOTAL,
        stable_after_s: float = STABLE_AFTER_S,
    ) -> None:
        self.cluster = cluster
        self.name = cluster.name
        self._prompter = prompter
        self._backoff = backoff or Backoff()
        self._stable_after_s = stable_after_s
        target = cluster.ssh
        self.budget = ChannelBudget(target.channels, target.stream_channels, max_channels)
        self._connector = Connector(cluster, prompter, self._on_authenticating)
        self._status = LinkStatus(self.name, LinkState.DISCONNECTED)
        self._changed = asyncio.Event()
        self._subscribers: Subscribers[LinkStatus] = Subscribers(f"{cluster.name}: link status")
        self._task: asyncio.Task[None] | None = None
        self._conn: asyncssh.SSHClientConnection | None = None
        self._client: LinkClient | None = None
        self._failure: LinkError | None = None

    # ---- status -------------------------------------------------------------------------

    @property
    def status(self) -> LinkStatus:
        return self._status

    def subscribe(self, callback: Callable[[LinkStatus], None]) -> Callable[[], None]:
        """Call ``callback`` on every status change; returns the function that unsubscribes."""
        return self._subscribers.add(callback)

    def _set(self, state: LinkState, detail: str = "", *, reason: str = "", retry_at: float | None = None) -> None:
        status = LinkStatus(self.name, state, detail, retry_at, reason)
        if status == self._status:
            return
        self._status = status
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
        self._subscribers.publish(status)

    def _on_authenticating(self) -> None:
        self._set(LinkState.AUTHENTICATING)

    # ---- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        """Begin connecting in the background; returns at once. Starting twice is harmless."""
        if self._task is None or self._task.done():
            self._failure = None
            self._set(LinkState.CONNECTING)
            self._task = asyncio.create_task(self._supervise(), name=f"ssh-link-{self.name}")

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Return once CONNECTED; raise the failure when FAILED, ``LinkError`` on timeout."""

        def connected() -> bool:
            if self._status.state is LinkState.CONNECTED:
                return True
            if self._status.state is LinkState.FAILED or self._task is None:
                raise self._down_error()
            return False

        await self._wait_until(connected, timeout)

    async def wait_settled(self, timeout: float | None = None) -> None:
        """Return once the link is connected or its attempt has failed (backing off or FAILED):
        a one-shot command has no reason to wait through a backoff for a login node that
        refused the connection at once. ``LinkError`` on timeout."""
        settled = (LinkState.CONNECTED, LinkState.FAILED, LinkState.BACKING_OFF)
        await self._wait_until(lambda: self._status.state in settled or self._task is None, timeout)

    async def _wait_until(self, done: Callable[[], bool], timeout: float | None) -> None:
        """Wait through status changes until ``done()``; LinkError naming the state on timeout."""
        try:
            async with asyncio.timeout(timeout) as deadline:
                while not done():
                    await self._changed.wait()
        except TimeoutError:
            if not deadline.expired():
                raise
            raise LinkError(f"{self.name}: not connected after {timeout:g} s ({self._describe_state()})") from None

    async def reconnect(self) -> None:
        """Drop the connection (if any) and connect again at once; also leaves FAILED."""
        await self._stop()
        self._backoff.reset()
        await self.start()

    async def close(self) -> None:
        """Close the connection and stop reconnecting."""
        await self._stop()
        self._set(LinkState.DISCONNECTED)

    async def _stop(self) -> None:
        task, self._task = self._task, None
        conn = self._conn
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if conn is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CLOSE_WAIT_S):
                    await conn.wait_closed()

    # ---- supervisor ---------------------------------------------------------------------

    async def _supervise(self) -> None:
        try:
            await self._connect_forever()
        except Exception as exc:  # a bug must show as FAILED, not as a link stuck in CONNECTING
            log.exception("%s: link supervisor crashed", self.name)
            self._fail(LinkFailed, f"internal error: {exc!r}")

    async def _connect_forever(self) -> None:
        while True:
            self._set(LinkState.CONNECTING)
            try:
                conn, client = await self._connector.connect()
            except UnknownHost as unknown:
                if await self._decide_host_key(unknown.problem):
                    continue
                return
            except AttemptFailed as failed:
                if failed.fatal:
                    self._fail(failed.error, str(failed))
                    return
                await self._back_off(str(failed))
                continue
            connected_at = time.monotonic()
            await self._hold(conn, client)
            if time.monotonic() - connected_at >= self._stable_after_s:
                self._backoff.reset()
            await self._back_off(_loss_reason(client))

    async def _hold(self, conn: asyncssh.SSHClientConnection, client: LinkClient) -> None:
        """Publish the connection and wait until it closes (server gone, keepalive failed, close())."""
        self._conn, self._client = conn, client
        self._set(LinkState.CONNECTED)
        try:
            await conn.wait_closed()
        finally:
            self._conn = self._client = None
            conn.close()

    async def _back_off(self, reason: str) -> None:
        delay = self._backoff.next_delay()
        retry_at = time.time() + delay
        self._set(LinkState.BACKING_OFF, _next_try(delay), reason=reason, retry_at=retry_at)
        log.info("%s: %s; next try in %.1f s", self.name, reason, delay)
        await asyncio.sleep(delay)

    async def _decide_host_key(self, problem: HostKeyProblem) -> bool:
        """Ask about an unknown host key; True when accepted (then connect again at once)."""
        if self._prompter is None:
            self._fail(LinkFailed, f"unknown host key for {problem.spec} ({problem.fingerprint}) and no way to ask")
            return False
        self._set(LinkState.AUTHENTICATING, f"unknown host key for {problem.spec}")
        decision = await self._prompter.unknown_host_key(self.name, problem.spec, problem.key_type, problem.fingerprint)
        if decision is HostKeyDecision.ACCEPT_SAVE:
            try:
                path = self._connector.known_hosts.save(problem.host, problem.port, problem.key)
            except OSError as exc:
                self._fail(LinkFailed, f"cannot save the host key of {problem.spec}: {exc}")
                return False
            log.info("%s: added %s to %s", self.name, problem.spec, path)
        elif decision is HostKeyDecision.ACCEPT_ONCE:
            self._connector.accept_once(problem)
        else:
            self._fail(LinkFailed, "host key rejected")
            return False
        return True

    def _fail(self, error: type[LinkError], reason: str) -> None:
        self._failure = error(f"{self.name}: {reason}")
        self._set(LinkState.FAILED, reason, reason=reason)

    # ---- commands -----------------------------------------------------------------------

    async def run(self, command: str, *, timeout: float | None = None, input: str | None = None) -> Result:
        """Run ``command`` (verbatim, under ``sh``: see ``under_sh``) on a channel of the one connection.

        The timeout (default ``ssh.command_timeout_s``) counts from the moment a channel is
        ours, not while queued behind other commands.
        """
        seconds = self.cluster.ssh.command_timeout_s if timeout is None else timeout
        self._live()
        async with self.budget.slot(Kind.RUN):
            conn, client = self._live()
            try:
                async with asyncio.timeout(seconds) as deadline:
                    return await self._execute(conn, client, command, input)
            except TimeoutError:
                if not deadline.expired():
                    raise
                raise CommandTimeout(f"{self.name}: {command_name(command)} timed out after {seconds:g} s") from None

    async def _execute(
        self, conn: asyncssh.SSHClientConnection, client: LinkClient, command: str, input: str | None
    ) -> Result:
        process = await self._open(conn, client, command, encoding="utf-8", errors="replace")
        try:
            if input:
                process.stdin.write(input)
            process.stdin.write_eof()  # remote commands never wait for a keyboard
            stdout, stderr = await process.communicate()
        except (OSError, asyncssh.Error) as exc:
            raise self._lost(client, command, exc) from exc
        finally:
            await _close(process)
        status = process.returncode
        if status is None:
            if client.closed:
                raise self._lost(client, command, None)
            status = -1  # the server closed the channel without an exit status
        return Result(command, status, stdout or "", stderr or "")

    @contextlib.asynccontextmanager
    async def stream(self, command: str) -> AsyncIterator[AsyncIterator[bytes]]:
        """A long-lived channel (``tail -F ...``) yielding stdout chunks; stderr is discarded.

        Leaving the block closes the channel. When the link drops the iterator raises
        ``LinkError``; re-open after ``wait_connected``.
        """
        async with self._channel(command, stderr=asyncssh.DEVNULL) as (process, client):
            yield self._chunks(client, command, process)

    @contextlib.asynccontextmanager
    async def process(self, command: str) -> AsyncIterator[asyncssh.SSHClientProcess[Any]]:
        """The asyncssh process of ``command`` with binary stdin, stdout and stderr (piping a
        tar stream between clusters), on a channel of the stream budget. Leaving the block ends
        the command if it still runs and closes the channel; I/O errors are the caller's."""
        async with self._channel(command) as (process, _client):
            yield process

    @contextlib.asynccontextmanager
    async def _channel(
        self, command: str, **options: object
    ) -> AsyncIterator[tuple[asyncssh.SSHClientProcess[Any], LinkClient]]:
        """A binary channel from the stream budget, closed on leaving the block."""
        self._live()
        async with self.budget.slot(Kind.STREAM):
            conn, client = self._live()
            seconds = self.cluster.ssh.command_timeout_s
            try:
                async with asyncio.timeout(seconds) as deadline:
                    process = await self._open(conn, client, command, encoding=None, **options)
            except TimeoutError:
                if not deadline.expired():
                    raise
                raise CommandTimeout(f"{self.name}: {command_name(command)}: no channel within {seconds:g} s") from None
            try:
                yield process, client
            finally:
                await _close(process)

    async def _chunks(
        self, client: LinkClient, command: str, process: asyncssh.SSHClientProcess[Any]
    ) -> AsyncIterator[bytes]:
        while True:
            try:
                data = await process.stdout.read(CHUNK)
            except (OSError, asyncssh.Error) as exc:
                raise self._lost(client, command, exc) from exc
            if not data:
                if client.closed:
                    raise self._lost(client, command, None)
                return
            yield data

    async def _open(
        self, conn: asyncssh.SSHClientConnection, client: LinkClient, command: str, **kwargs: object
    ) -> asyncssh.SSHClientProcess[Any]:
        """Open a session channel; when the server refuses one (MaxSessions), wait and retry."""
        wait = OPEN_RETRY_FIRST_S
        while True:
            try:
                return await conn.create_process(under_sh(command), **kwargs)
            except asyncssh.ChannelOpenError as exc:
                if client.closed:
                    raise self._lost(client, command, exc) from exc
                log.debug("%s: channel refused (%s); retrying in %.2f s", self.name, exc.reason, wait)
            except (OSError, asyncssh.Error) as exc:
                raise self._lost(client, command, exc) from exc
            await asyncio.sleep(wait)
            wait = min(wait * 2, OPEN_RETRY_MAX_S)

    @contextlib.asynccontextmanager
    async def terminal(
        self, command: str, term_type: str, term_size: tuple[int, int]
    ) -> AsyncIterator[asyncssh.SSHClientProcess[Any]]:
        """``command`` on a pseudo-terminal (``srun --pty``, ``salloc``), binary, stderr merged
        into stdout as a terminal would; a channel of the stream budget, closed on leaving."""
        options = {"term_type": term_type, "term_size": term_size, "request_pty": "force", "stderr": asyncssh.STDOUT}
        async with self._channel(command, **options) as (process, _client):
            yield process

    # ---- tunnels ------------------------------------------------------------------------
    # A tunnel's TCP connections are direct-tcpip channels: OpenSSH's MaxSessions counts
    # sessions only (see lab-notes), so they take nothing from the budget of commands.

    async def forward_local_port(
        self, local_port: int, dest_host: str, dest_port: int, accept: Callable[[str, int], bool] | None = None
    ) -> asyncssh.SSHListener:
        """Listen on 127.0.0.1:``local_port`` (0: any free port) and carry each accepted TCP
        connection to ``dest_host:dest_port`` as seen from the login node, over the one
        connection. The listener dies with the connection; ``PortUnavailable`` when the port is
        taken, ``LinkError`` when the connection is down."""
        conn, _client = self._live()
        try:
            return await conn.forward_local_port("127.0.0.1", local_port, dest_host, dest_port, accept)
        except OSError as exc:
            raise PortUnavailable(
                f"{self.name}: cannot listen on 127.0.0.1:{local_port}: {exc.strerror or exc}"
            ) from exc
        except asyncssh.Error as exc:
            raise LinkError(f"{self.name}: port forwarding refused: {exc}") from exc

    async def check_reachable(self, host: str, port: int) -> None:
        """Open and close one TCP connection to ``host:port`` from the login node, as a tunnel
        does for each connection; ``LinkError`` saying why when it cannot."""
        conn, _client = self._live()
        try:
            async with asyncio.timeout(self.cluster.ssh.command_timeout_s):
                _reader, writer = await conn.open_connection(host, port)
        except asyncssh.ChannelOpenError as exc:
            raise LinkError(f"{self.name}: {host}:{port}: {exc.reason}") from exc
        except TimeoutError:
            raise LinkError(f"{self.name}: {host}:{port}: no answer") from None
        except (OSError, asyncssh.Error) as exc:
            raise LinkError(f"{self.name}: {host}:{port}: {exc}") from exc
        writer.close()

    def _live(self) -> tuple[asyncssh.SSHClientConnection, LinkClient]:
        conn, client = self._conn, self._client
        if conn is None or client is None or client.closed:
            raise self._down_error()
        return conn, client

    def _lost(self, client: LinkClient, command: str, exc: BaseException | None) -> LinkError:
        if client.closed:
            reason = _loss_reason(client)
            return LinkError(f"{self.name}: connection lost while running {command_name(command)} ({reason})")
        return LinkError(f"{self.name}: {command_name(command)}: {exc}")

    def _down_error(self) -> LinkError:
        if self._status.state is LinkState.FAILED and self._failure is not None:
            return type(self._failure)(f"{self.name}: not connected ({self._describe_state()})")
        return LinkError(f"{self.name}: not connected ({self._describe_state()})")

    def _describe_state(self) -> str:
        status = self._status
        if status.state is LinkState.BACKING_OFF and status.retry_at is not None:
            return f"backing off, {_next_try(status.retry_at - time.time())}"
        if status.state is LinkState.FAILED:
            return f"failed: {status.reason}"
        return str(status.state.value)


def under_sh(command: str) -> str:
    """What the login shell is given so that ``command`` runs under ``sh``, untouched.

    sshd hands every command to the user's login shell: bash, zsh, tcsh, csh or fish. They
    quote differently: tcsh rejects a newline inside single quotes ("Unmatched '") and expands
    ``!`` even there ("Event not found"); fish reads backslash escapes inside them. So the
    command travels base64-encoded, inside single quotes that hold only letters, digits and
    ``$"()|&=+/-`` and spaces, which each of those shells hands to ``sh`` literally. ``sh``
    decodes and evals it; a missing ``base64`` fails the command (``&&``) instead of running
    nothing and succeeding.
    """
    encoded = base64.b64encode(command.encode()).decode("ascii")
    return f"""exec sh -c 'c=$(echo {encoded} | base64 -d) && eval "$c"'"""


def command_name(command: str) -> str:
    """The program a command line runs, for messages: ``env -u X A=1 squeue ...`` -> ``squeue``."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    index = 0
    if words[:1] == ["env"]:
        index = 1
        while index < len(words) and words[index].startswith("-"):
            index += 2 if words[index] in ("-u", "--unset") else 1
    while index < len(words) and _is_assignment(words[index]):
        index += 1
    return words[index] if index < len(words) else command.strip() or "(empty command)"


def _is_assignment(word: str) -> bool:
    return "=" in word and word.split("=", 1)[0].isidentifier()


async def _close(process: asyncssh.SSHClientProcess[Any]) -> None:
    """Close a channel, ending what still runs on it; never hang on an unresponsive server."""
    if process.returncode is None:
        with contextlib.suppress(OSError, asyncssh.Error):
            process.terminate()
    process.close()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(CLOSE_WAIT_S):
            await process.wait_closed()


def _next_try(seconds: float) -> str:
    return f"next try in {max(1, math.ceil(seconds))} s"


def _loss_reason(client: LinkClient) -> str:
    return str(client.lost) if client.lost else "connection closed"
