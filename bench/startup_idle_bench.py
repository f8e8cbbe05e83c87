"""First data on screen, idle CPU and RSS of the real `hpctui`, run in a real terminal (tmux).

- first data: from spawning `hpctui --config LAB` until the first cluster's tab shows polled
  data: its status line says "updated" and a job id of that cluster is on screen
  (tmux capture-pane, polled every 10 ms);
- idle: then for --idle seconds (default 60) with no key pressed: CPU seconds used (utime+stime
  from /proc) and the RSS at the end (VmRSS).
Goals (brief): first data <= 0.5 s, RSS < 64 MiB, CPU near zero when idle.
It submits one job to the first cluster so there is a row to see, and cancels it after.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import hpctui

LAB = Path(os.environ.get("HPCTUI_LAB_DIR", "/tmp/hpctui-lab"))
SESSION = "hpctui-bench"
TICKS = os.sysconf("SC_CLK_TCK")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


def app_pid(shell_pid: int) -> int:
    """The python process running hpctui (the pane's process or its child)."""
    for _ in range(200):
        out = subprocess.run(["pgrep", "-f", "-P", str(shell_pid), "hpctui"], capture_output=True, text=True).stdout
        if out.strip():
            return int(out.split()[0])
        if "hpctui" in Path(f"/proc/{shell_pid}/cmdline").read_text(errors="replace"):
            return shell_pid
        time.sleep(0.01)
    raise SystemExit("hpctui did not start")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mib(pid: int) -> float:
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) / 1024


def has_data(screen: str, job_id: str) -> bool:
    return "updated" in screen and re.search(rf"^\W*{job_id}\b", screen, re.M) is not None


def submit(cluster: str) -> str:
    out = subprocess.run(
        ["ssh", "-F", str(LAB / "ssh_config"), "-n", cluster, "sbatch --parsable -J benchrow --wrap 'sleep 300'"],
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().split(";")[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default=str(LAB / "hpctui.yaml"))
    parser.add_argument("--idle", type=float, default=60.0)
    args = parser.parse_args()
    # As installed from a wheel: bytecode compiled (this machine sets PYTHONDONTWRITEBYTECODE,
    # which would have an editable checkout compile every module at every start).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(hpctui.__file__).parent)], check=True)
    job_id = submit("alpha")
    tmux("kill-session", "-t", SESSION)
    command = f"{sys.executable} -m hpctui --config {args.config}"
    started = time.monotonic()
    tmux("new-session", "-d", "-s", SESSION, "-x", "160", "-y", "48", command)
    try:
        pid = app_pid(int(tmux("display-message", "-p", "-t", SESSION, "#{pane_pid}").strip()))
        while not has_data(tmux("capture-pane", "-p", "-t", SESSION), job_id):
            if time.monotonic() - started > 30:
                raise SystemExit("no data on screen after 30 s")
            time.sleep(0.01)
        first_data = time.monotonic() - started
        print(
            f"first data on screen: {first_data * 1000:.0f} ms after spawning hpctui (goal <= 500 ms); "
            f"CPU used by then {cpu_seconds(pid) * 1000:.0f} ms"
        )
        print(f"RSS after first data: {rss_mib(pid):.1f} MiB")
        cpu_before = cpu_seconds(pid)
        time.sleep(args.idle)
        used = cpu_seconds(pid) - cpu_before
        print(
            f"idle {args.idle:.0f} s: CPU {used:.2f} s ({100 * used / args.idle:.2f} % of one core), "
            f"RSS {rss_mib(pid):.1f} MiB (goal < 64 MiB)"
        )
    finally:
        tmux("kill-session", "-t", SESSION)
        subprocess.run(["ssh", "-F", str(LAB / "ssh_config"), "-n", "alpha", f"scancel {job_id}"], check=False)


if __name__ == "__main__":
    main()
