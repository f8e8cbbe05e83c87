"""Helpers for the action, resubmit and post-mortem lab tests (no tests here).

Jobs are submitted as hpcuser through the system ssh (``lab.ssh``), each test in a directory of
its own under ~/project/hpctui-tests, and cancelled at the end whatever happened.
"""

from __future__ import annotations

import asyncio
import shlex
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from hpctui.services.audit import AuditLog
from hpctui.services.cluster import ClusterSession

JOBS = Path(__file__).parent / "jobs"
TEST_ROOT = "/home/hpcuser/project/hpctui-tests"


class LabJobs:
    """Submit, inspect and clean up jobs on one lab cluster."""

    def __init__(self, lab: Any, cluster: str) -> None:
        self.lab = lab
        self.cluster = cluster
        self.submitted: list[str] = []

    def sh(self, command: str, timeout: float = 60) -> str:
        answer = self.lab.ssh(self.cluster, command, timeout=timeout)
        assert answer.returncode == 0, f"{command}: {answer.stderr}"
        return answer.stdout

    def new_dir(self, name: str = "") -> str:
        path = f"{TEST_ROOT}/{uuid.uuid4().hex[:8]}{name}"
        self.sh(f"mkdir -p {shlex.quote(path)}")
        return path

    def put(self, path: str, text: str) -> None:
        """Write ``text`` to ``path`` on the cluster (through stdin: no quoting of the text)."""
        import subprocess

        answer = subprocess.run(
            ["ssh", "-F", str(self.lab.ssh_config), self.cluster, f"cat > {shlex.quote(path)}"],
            input=text, capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        assert answer.returncode == 0, answer.stderr

    def submit(self, *args: str, cwd: str | None = None) -> str:
        where = f"cd {shlex.quote(cwd)} && " if cwd else ""
        job_id = self.sh(where + "sbatch --parsable " + " ".join(shlex.quote(a) for a in args)).strip().split(";")[0]
        self.submitted.append(job_id)
        return job_id

    def track(self, job_id: str) -> None:
        self.submitted.append(job_id)

    def squeue(self, job_id: str, fmt: str = "%T") -> list[str]:
        """One line per job/task still known to the controller, in ``fmt``."""
        out = self.sh(
            f"squeue --noheader --array --states=all --jobs={shlex.quote(job_id)} --format={shlex.quote(fmt)}"
        )
        return [line.strip() for line in out.splitlines() if line.strip()]

    def sacct_state(self, job_id: str) -> str:
        """The job's state in accounting once its record is whole, else "". slurmdbd can hear
        of the end before the start: for a second or two State says COMPLETED while WorkDir
        and SubmitLine are still empty."""
        out = self.sh(f"sacct --noheader --parsable2 --allocations --format=State,WorkDir --jobs={shlex.quote(job_id)}")
        lines = [line for line in out.splitlines() if line]
        state, _, work_dir = lines[-1].partition("|") if lines else ("", "", "")
        return state.split(" ")[0] if work_dir else ""

    def scontrol(self, job_id: str) -> dict[str, str]:
        from hpctui.slurm.parse import parse_scontrol_job

        return parse_scontrol_job(self.sh(f"scontrol show job {shlex.quote(job_id)}"))

    def cleanup(self) -> None:
        if self.submitted:
            self.lab.ssh(self.cluster, "scancel " + " ".join(shlex.quote(j) for j in self.submitted))


def wait_for(what: str, check: Callable[[], Any], timeout: float = 60, every: float = 0.5) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


@contextmanager
def lab_jobs(lab: Any, cluster: str) -> Iterator[LabJobs]:
    jobs = LabJobs(lab, cluster)
    try:
        yield jobs
    finally:
        jobs.cleanup()


@asynccontextmanager
async def lab_session(
    lab: Any, cluster: str, audit_path: Path, after: Callable[[], None] | None = None
) -> AsyncIterator[ClusterSession]:
    """A connected session (no poll loop) whose audit log is ``audit_path``."""
    session = ClusterSession(lab.config.cluster(cluster), None, AuditLog(audit_path))
    if after is not None:
        session.actions.after = after
    await session.link.start()
    await session.link.wait_connected(20)
    try:
        yield session
    finally:
        await session.link.close()


async def wait_async(what: str, check: Callable[[], Any], timeout: float = 60) -> Any:
    return await asyncio.to_thread(wait_for, what, check, timeout)
