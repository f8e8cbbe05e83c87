"""First data on screen, idle CPU and RSS of the real `hpctui`, run on a terminal (a pty).

- first data: from spawning `hpctui --config LAB` until the terminal has been sent the first
  cluster's polled data: its status line's "updated" and the id of a job of that cluster
  (escape sequences dropped). The bench reads the pty as a terminal would, so nothing competes
  with the app for the CPU (polling tmux's capture-pane every 10 ms spawned a hundred processes
  a second on a two-core machine, and added some 50 ms to the figure). --runs starts it that
  many times, each with a fresh HOME, and prints every run, the median and the best;
- idle: then (last run) for --idle seconds (default 60) with no key pressed: CPU seconds used
  (utime+stime from /proc) and the RSS at the end (VmRSS).
Goals (brief): first data <= 0.5 s, RSS < 64 MiB, CPU near zero when idle.
It submits one job to the first cluster so there is a row to see, and cancels it after.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import platform
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

import hpctui

LAB = Path(os.environ.get("HPCTUI_LAB_DIR", "/tmp/hpctui-lab"))
TICKS = os.sysconf("SC_CLK_TCK")
ROWS, COLUMNS = 48, 160
ESCAPES = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mib(pid: int) -> float:
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    if match is None:  # a zombie has no memory: not a figure to print as one
        raise SystemExit(f"hpctui (pid {pid}) has gone")
    return int(match.group(1)) / 1024


def interpreter() -> str:
    """Which Python runs the app: the start is CPU-bound, and its build matters (Debian's
    python3 starts hpctui some 15 % faster than a pyenv build of the same version here)."""
    return f"{sys.executable} -> {os.path.realpath(sys.executable)} (Python {platform.python_version()})"


def submit(cluster: str) -> str:
    out = subprocess.run(
        ["ssh", "-F", str(LAB / "ssh_config"), "-n", cluster, "sbatch --parsable -J benchrow --wrap 'sleep 300'"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().split(";")[0]


class Terminal:
    """hpctui on a pty of ROWS x COLUMNS, with a fresh HOME; ``read`` drains what it sent."""

    def __init__(self, config: str) -> None:
        self.home = tempfile.mkdtemp(prefix="hpctui-bench-home-")
        self.started = time.monotonic()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ.update(HOME=self.home, TERM="xterm-256color", COLORTERM="truecolor")
            for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
                os.environ.pop(name, None)
            try:
                os.execv(sys.executable, [sys.executable, "-m", "hpctui", "--config", config])
            finally:  # never back into the bench's own code in the child
                os._exit(127)
        self.closed = False
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.text = b""

    def read(self, timeout: float) -> None:
        if select.select([self.fd], [], [], timeout)[0]:
            try:
                self.text += os.read(self.fd, 1 << 16)
            except OSError:  # the app has gone
                raise SystemExit(f"hpctui ended: {ESCAPES.sub(b'', self.text)[-400:]!r}") from None

    def shows(self, job_id: str) -> bool:
        plain = ESCAPES.sub(b"", self.text)
        return b"updated" in plain and re.search(rb"\b" + job_id.encode() + rb"\b", plain) is not None

    def wait_for(self, job_id: str) -> float:
        while not self.shows(job_id):
            if time.monotonic() - self.started > 30:
                raise SystemExit("no data on screen after 30 s")
            self.read(0.5)
        return time.monotonic() - self.started

    def drain(self, seconds: float) -> None:
        """Read and drop what the app sends for ``seconds`` (a terminal that is not read blocks it)."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.read(min(left, 1.0))
            self.text = self.text[-4096:]

    def close(self) -> None:
        """Stop the app and remove its HOME (once; a run that failed is closed as well)."""
        if self.closed:
            return
        self.closed = True
        os.kill(self.pid, signal.SIGTERM)
        os.waitpid(self.pid, 0)
        os.close(self.fd)
        shutil.rmtree(self.home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(LAB / "hpctui.yaml"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=60.0)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs: at least one start")
    # As installed from a wheel: bytecode compiled (this machine sets PYTHONDONTWRITEBYTECODE,
    # which would have an editable checkout compile every module at every start).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(hpctui.__file__).parent)], check=True)
    print(f"interpreter: {interpreter()}")
    job_id = submit("alpha")
    terminal = None
    try:
        firsts = []
        for run in range(args.runs):
            terminal = Terminal(args.config)
            seconds = terminal.wait_for(job_id)
            firsts.append(seconds)
            print(
                f"run {run + 1}: first data {seconds * 1000:.0f} ms, CPU by then {cpu_seconds(terminal.pid) * 1000:.0f} ms"
            )
            if run < args.runs - 1:
                terminal.close()
        print(
            f"first data on screen: median {statistics.median(firsts) * 1000:.0f} ms, best {min(firsts) * 1000:.0f} ms "
            f"of {args.runs} starts (goal <= 500 ms)"
        )
        print(f"RSS after first data: {rss_mib(terminal.pid):.1f} MiB")
        cpu_before = cpu_seconds(terminal.pid)
        terminal.drain(args.idle)
        used = cpu_seconds(terminal.pid) - cpu_before
        print(
            f"idle {args.idle:.0f} s: CPU {used:.2f} s ({100 * used / args.idle:.2f} % of one core), "
            f"RSS {rss_mib(terminal.pid):.1f} MiB (goal < 64 MiB)"
        )
    finally:
        if terminal is not None:
            terminal.close()
        subprocess.run(["ssh", "-F", str(LAB / "ssh_config"), "-n", "alpha", f"scancel {job_id}"], check=False)


if __name__ == "__main__":
    main()
