"""Counting TCP connections to an sshd with ss(8), as the server sees them (lab tests, benchmarks)."""

from __future__ import annotations

import subprocess


def _established(side: str, port: int) -> list[list[str]]:
    """``ss`` rows (recv-q, send-q, local, peer, [process]) of connections with ``side`` port ``port``."""
    rows = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( {side} = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [row.split() for row in rows.splitlines() if row.strip()]


def server_connections(port: int, client_pid: int | None = None) -> int:
    """ESTABLISHED connections the server listening on ``port`` has; only ``client_pid``'s when given.

    On loopback both ends are visible: a server-side row belongs to ``client_pid`` when its peer
    address is the local address of one of that process's client sockets.
    """
    server_rows = _established("sport", port)
    if client_pid is None:
        return len(server_rows)
    ours = {row[2] for row in _established("dport", port) if f"pid={client_pid}," in " ".join(row[4:])}
    return sum(1 for row in server_rows if row[3] in ours)
