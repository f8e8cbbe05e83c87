"""Everything hpctui runs on a cluster works whatever the user's login shell is.

The lab has one login user per shell (hpcuser: bash, hpctcsh: tcsh, hpcfish: fish), all with
the lab's key. Each test runs through hpctui's real SSH path as each of them: a poll, a log
tail, a hold and release, a resubmit, `hpctui sync` (the system rsync and ssh) and `hpctui
transfer`. Job names, paths and log lines carry what tcsh and fish read differently from sh:
``!``, quotes, ``$``, backslashes and newlines in the commands hpctui builds.
"""

from __future__ import annotations

import asyncio
import dataclasses
import pwd
import shlex
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from waiting import eventually

from hpctui.cli import main
from hpctui.config.model import Cluster
from hpctui.services.audit import AuditLog
from hpctui.services.cluster import ClusterSession
from hpctui.services.logtail import LogTail
from hpctui.services.resubmit import ResubmitChoice, ResubmitHistory, Resubmitter
from hpctui.ssh.types import Result

pytestmark = pytest.mark.lab

LOGIN_USERS = {"bash": "hpcuser", "tcsh": "hpctcsh", "fish": "hpcfish"}
ODD = "it's $HOME!x \\o"  # a quote, a dollar, a history bang, a backslash (and fit for a file name)
SCRIPT = """#!/bin/bash
#SBATCH --time=5
echo "start of $SLURM_JOB_NAME"
sleep 300
"""


def as_user(cluster: Cluster, user: str) -> Cluster:
    home = pwd.getpwnam(user).pw_dir
    return dataclasses.replace(
        cluster, ssh=dataclasses.replace(cluster.ssh, user=user), project_dir=f"{home}/project", log_dir="logs"
    )


@dataclass
class Login:
    """A connected session to alpha as the user of one login shell, and its jobs and files."""

    shell: str
    user: str
    session: ClusterSession
    home: str
    base: str  # a fresh directory (with a space and a bang) for this test
    jobs: list[str]

    async def run(self, command: str, input: str | None = None) -> str:
        result: Result = await self.session.link.run(command, input=input)
        assert result.ok, f"{command}: {result.stderr}"
        return result.stdout

    async def put(self, path: str, text: str) -> None:
        await self.run(f"cat > {shlex.quote(path)}", input=text)

    async def submit(self, *args: str, cwd: str) -> str:
        answer = await self.run(f"cd {shlex.quote(cwd)} && sbatch --parsable {shlex.join(args)}")
        job_id = answer.strip().split(";")[0]
        self.jobs.append(job_id)
        return job_id

    async def squeue(self, job_id: str) -> str:
        return (await self.run(f"squeue --noheader --jobs={job_id} --format='%T %r'")).strip()


@pytest.fixture(params=sorted(LOGIN_USERS))
async def login(request: pytest.FixtureRequest, lab: Any, tmp_path: Path) -> AsyncIterator[Login]:
    shell, user = request.param, LOGIN_USERS[request.param]
    assert pwd.getpwnam(user).pw_shell.endswith(f"/{shell}"), "lab/up gives each lab user its login shell"
    session = ClusterSession(as_user(lab.config.cluster("alpha"), user), None, AuditLog(tmp_path / "audit.log"))
    await session.link.start()
    await session.link.wait_connected(20)
    home = pwd.getpwnam(user).pw_dir
    login = Login(shell, user, session, home, f"{home}/hpctui-shell-{uuid.uuid4().hex[:6]} x!", [])
    await login.run(f"mkdir -p {shlex.quote(login.base)}")
    try:
        yield login
    finally:
        if login.jobs:
            await session.link.run(f"scancel {' '.join(login.jobs)}")
        await session.link.run(f"rm -rf {shlex.quote(login.base)}")
        await session.link.close()


async def test_poll_sees_the_users_job(login: Login):
    job = await login.submit("--hold", f"--job-name={ODD}", "--wrap=sleep 300", cwd=login.base)
    snapshot = await login.session.poller.poll_once()
    assert snapshot.error is None, snapshot.error
    mine = {j.job_id: j for j in snapshot.jobs}
    assert mine[job].name == ODD and mine[job].user == login.user
    assert snapshot.nodes, "the poll's sinfo half ran too"


async def test_log_tail_of_a_running_job(login: Login):
    lines = "\n".join(["first", ODD, "multi word 'quoted'", "last"]) + "\n"
    await login.put(f"{login.base}/lines.txt", lines)
    output = f"{login.base}/out put.txt"
    job = await login.submit(f"--output={output}", "--wrap=cat 'lines.txt'; sleep 300", cwd=login.base)
    tail = LogTail(login.session.link, output, last_lines=100)
    tail.start()
    try:
        await eventually(lambda: "last" in tail.lines, what=f"the log of job {job}")
    finally:
        await tail.close()
    assert list(tail.lines) == lines.splitlines()


async def test_hold_and_release_a_real_job(login: Login):
    job = await login.submit("--begin=now+1hour", "--wrap=sleep 300", cwd=login.base)
    actions = login.session.actions
    held = await actions.execute(actions.plan("hold", [job]))
    assert [o.ok for o in held] == [True], held
    assert await login.squeue(job) == "PENDING JobHeldUser"
    released = await actions.execute(actions.plan("release", [job]))
    assert [o.ok for o in released] == [True], released
    assert not (await login.squeue(job)).endswith("JobHeldUser")


async def test_resubmit_a_real_job(login: Login, tmp_path: Path):
    await login.put(f"{login.base}/train.sbatch", SCRIPT)
    first = await login.submit("--hold", f"--job-name={ODD}", "train.sbatch", "--lr", "0.1", cwd=login.base)
    session = login.session
    resubmitter = Resubmitter(session.link, session.cluster, session.actions, ResubmitHistory(tmp_path / "h.jsonl"))
    draft = await resubmitter.prepare(first)
    assert (draft.script_path, draft.work_dir) == (f"{login.base}/train.sbatch", login.base)
    assert resubmitter.commands(draft, ResubmitChoice())
    submitted = await resubmitter.submit(draft, ResubmitChoice())
    assert submitted.new_job_id is not None, submitted
    login.jobs.append(submitted.new_job_id)
    shown = await login.run(f"scontrol show job {submitted.new_job_id}")
    assert f"JobName={ODD}" in shown and f"WorkDir={login.base}" in shown


def config_file(lab: Any, login: Login, directory: Path, **alpha: str) -> Path:
    """The lab's config with both clusters reached as ``login.user``; ``alpha`` overrides alpha's fields."""
    data = yaml.safe_load(lab.config_path.read_text())
    for cluster in data["clusters"]:
        cluster["ssh"]["user"] = login.user
        cluster["project_dir"] = f"{login.home}/project"
        cluster.pop("purge", None)
        if cluster["name"] == "alpha":
            cluster.update(alpha)
    path = directory / "hpctui.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


async def test_sync_through_the_system_rsync_and_ssh(login: Login, lab: Any, tmp_path: Path):
    local = tmp_path / "proj"
    (local / "src").mkdir(parents=True)
    (local / "train.py").write_text("print('hi')\n")
    (local / "src" / f"{ODD}.py").write_text("x = 1\n")
    remote = f"{login.base}/project"
    config = config_file(lab, login, tmp_path, project_dir=remote, local_project_dir=str(local))
    assert await asyncio.to_thread(main, ["sync", "--config", str(config), "alpha"]) == 0
    found = await login.run(f"cd {shlex.quote(remote)} && find . -type f | LC_ALL=C sort")
    assert found.splitlines() == [f"./src/{ODD}.py", "./train.py"]


async def test_transfer_between_the_clusters(login: Login, lab: Any, tmp_path: Path, capsys: pytest.CaptureFixture):
    await login.run(f"mkdir -p {shlex.quote(login.base)}/src/run1")
    await login.put(f"{login.base}/src/run1/{ODD}.txt", "weights\n")
    config = config_file(lab, login, tmp_path)
    source, destination = f"alpha:{login.base}/src/run1", f"beta:{login.base}/dst"
    assert await asyncio.to_thread(main, ["transfer", "--config", str(config), source, destination]) == 0
    assert "verified: 1 file," in capsys.readouterr().out
    beta = ClusterSession(as_user(lab.config.cluster("beta"), login.user))
    await beta.link.start()
    try:
        await beta.link.wait_connected(20)
        copied = await beta.link.run(f"cat {shlex.quote(f'{login.base}/dst/run1/{ODD}.txt')}")
        await beta.link.run(f"rm -rf {shlex.quote(login.base)}")
    finally:
        await beta.link.close()
    assert copied.stdout == "weights\n"
