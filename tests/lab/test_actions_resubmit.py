"""Resubmitting real jobs: from a stage, plain, with edited resources, from a saved copy; and
odd names and paths (spaces, quotes, $(...), backticks, ;) never run anything extra."""

from __future__ import annotations

import asyncio
import shlex
import uuid

import pytest
from test_actions_support import JOBS, lab_jobs, lab_session, wait_async, wait_for

from hpctui.errors import UserError
from hpctui.services.audit import AuditLog
from hpctui.services.resubmit import ResubmitChoice, ResubmitHistory, Resubmitter

pytestmark = pytest.mark.lab

STAGES = (JOBS / "stages.sbatch").read_text()


def finished(jobs, job_id: str) -> str:
    state = jobs.sacct_state(job_id)
    return state if state in ("COMPLETED", "FAILED", "TIMEOUT", "CANCELLED", "OUT_OF_MEMORY") else ""


async def resubmit(lab, tmp_path, cluster: str, job_id: str, choice: ResubmitChoice):
    """prepare + submit through hpctui; returns (draft, commands, submitted, history)."""
    history = ResubmitHistory(tmp_path / "resubmits.jsonl")
    async with lab_session(lab, cluster, tmp_path / "audit.log") as session:
        resubmitter = Resubmitter(session.link, session.cluster, session.actions, history)
        draft = await resubmitter.prepare(job_id)
        commands = resubmitter.commands(draft, choice)
        submitted = await resubmitter.submit(draft, choice)
    return draft, commands, submitted, history


async def test_resubmit_from_stage_runs_only_later_stages_and_resumes(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        jobs.put(f"{work}/train.sbatch", STAGES)
        jobs.sh(f"mkdir -p {shlex.quote(work)}/logs")
        first = jobs.submit("-J", "stages", "-o", "logs/%x_%j.log", "train.sbatch", cwd=work)
        assert await wait_async("first run done", lambda: finished(jobs, first)) == "COMPLETED"
        assert "stage 1" in jobs.sh(f"cat {shlex.quote(work)}/logs/stages_{first}.log")

        draft, commands, submitted, history = await resubmit(lab, tmp_path, "alpha", first, ResubmitChoice(stage=2))
        assert draft.stages is not None and draft.stages.values == (0, 1, 2, 3)
        assert draft.script_path == f"{work}/train.sbatch"
        assert draft.checkpoint_exists is True and draft.auto_resume.resolved == f"{work}/outputs/latest.pt"
        assert draft.last_state == "COMPLETED"
        new = submitted.new_job_id
        assert new is not None and new != first, submitted
        jobs.track(new)
        assert history.lookup("alpha", first) == new and history.origin("alpha", new) == first
        assert [e.command for e in AuditLog(tmp_path / "audit.log").entries()] == commands

        assert await wait_async("resubmission done", lambda: finished(jobs, new)) == "COMPLETED"
        log = jobs.sh(f"cat {shlex.quote(work)}/logs/stages_{new}.log")  # the -o pattern was kept
        assert "START_STAGE=2" in log and "Resuming from outputs/latest.pt" in log
        assert "stage 1" not in log and "stage 2 --resume outputs/latest.pt" in log and "stage 3" in log


async def test_a_log_directory_in_the_work_dir_is_known_to_exist(lab, tmp_path):
    """Submitted from the project with -o logs/...: logs/ is taken from the job's WorkDir (not the
    script's folder) and found on the cluster, so the lint does not call it never created."""
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        jobs.sh(f"mkdir -p {shlex.quote(work)}/logs {shlex.quote(work)}/scripts")
        jobs.put(f"{work}/scripts/run.sbatch", "#!/bin/bash\n#SBATCH --time=00:01:00\necho hi\n")
        first = jobs.submit("--hold", "-o", "logs/%x_%j.out", "scripts/run.sbatch", cwd=work)
        async with lab_session(lab, "alpha", tmp_path / "audit.log") as session:
            resubmitter = Resubmitter(session.link, session.cluster, session.actions)
            draft = await resubmitter.prepare(first)
            findings = resubmitter.lint(draft, ResubmitChoice())
        assert draft.log_dirs == (f"{work}/logs",)
        assert "HPC103" not in [f.code for f in findings]


async def test_edited_time_memory_partition(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        jobs.put(f"{work}/train.sbatch", STAGES)
        first = jobs.submit("--hold", "train.sbatch", cwd=work)
        choice = ResubmitChoice(time="7", mem="100M", partition="cpu")
        _, _, submitted, _ = await resubmit(lab, tmp_path, "alpha", first, choice)
        assert submitted.new_job_id is not None, submitted
        jobs.track(submitted.new_job_id)
        fields = jobs.scontrol(submitted.new_job_id)
        assert (fields["TimeLimit"], fields["MinMemoryNode"], fields["Partition"]) == ("00:07:00", "100M", "cpu")


async def test_no_memory_option_where_partition_forbids_it(lab, tmp_path):
    """beta's `normal` allocates whole nodes (config rules): --mem must not be passed there."""
    with lab_jobs(lab, "beta") as jobs:
        work = jobs.new_dir()
        jobs.put(f"{work}/train.sbatch", STAGES.replace("#SBATCH --mem=64M\n", ""))
        first = jobs.submit("--hold", "--mem=64M", "train.sbatch", cwd=work)
        async with lab_session(lab, "beta", tmp_path / "audit.log") as session:
            resubmitter = Resubmitter(session.link, session.cluster, session.actions, ResubmitHistory(tmp_path / "h"))
            draft = await resubmitter.prepare(first)
            assert draft.options.partition == "normal"
            assert not any("--mem" in c for c in resubmitter.commands(draft, ResubmitChoice()))
            with pytest.raises(UserError, match="whole nodes"):
                resubmitter.commands(draft, ResubmitChoice(mem="1G"))


async def test_wrap_job_resubmitted_from_saved_copy(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        first = jobs.submit("-o", "wrap_%j.out", "--wrap", "echo wrapped START_STAGE=${START_STAGE:-unset}", cwd=work)
        await wait_async("wrap job done", lambda: finished(jobs, first))
        draft, commands, submitted, _ = await resubmit(lab, tmp_path, "alpha", first, ResubmitChoice())
        assert draft.script_path is None and len(commands) == 2
        assert any("--wrap" in note for note in draft.notes)
        new = submitted.new_job_id
        assert new is not None, submitted
        jobs.track(new)
        await wait_async("resubmission done", lambda: finished(jobs, new))
        assert jobs.sh(f"cat {shlex.quote(work)}/wrap_{new}.out").strip() == "wrapped START_STAGE=unset"
        assert "sbatch --wrap" in jobs.sh(f"cat {shlex.quote(draft.saved_copy)}")


async def test_script_gone_uses_saved_copy(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        jobs.put(f"{work}/train.sbatch", STAGES)
        first = jobs.submit("--hold", "train.sbatch", cwd=work)
        jobs.sh(f"rm {shlex.quote(work)}/train.sbatch")
        draft, _, submitted, _ = await resubmit(lab, tmp_path, "alpha", first, ResubmitChoice(stage=1))
        assert draft.script_path is None and any("no longer exists" in n for n in draft.notes)
        assert submitted.new_job_id is not None, submitted
        jobs.track(submitted.new_job_id)
        assert jobs.sh(f"cat {shlex.quote(draft.saved_copy)}") == STAGES


NASTY = "a b 'q\" $(touch {canary}) `touch {canary}` ; touch {canary} #"


@pytest.mark.parametrize("kind", ["script", "wrap"])
async def test_odd_names_and_paths_run_nothing_extra(lab, tmp_path, kind):
    canary = f"/tmp/hpctui-canary-{uuid.uuid4().hex[:8]}"
    nasty = NASTY.format(canary=canary)
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir(" " + nasty.replace("/", "_"))
        if kind == "script":
            script = f"{work}/{nasty.replace('/', '_')}.sbatch"
            jobs.put(script, STAGES)
            first = jobs.submit("-J", nasty, "-o", "out_%j.log", script, cwd=work)
        else:
            first = jobs.submit(
                "-J", nasty, "-o", "out_%j.log", "--wrap", "echo START_STAGE=${START_STAGE:-0}", cwd=work
            )
        await wait_async("first run done", lambda: finished(jobs, first))
        choice = ResubmitChoice(stage=3) if kind == "script" else ResubmitChoice(time="5")
        draft, _, submitted, _ = await resubmit(lab, tmp_path, "alpha", first, choice)
        assert draft.name == nasty and draft.work_dir == work
        new = submitted.new_job_id
        assert new is not None, submitted
        jobs.track(new)
        assert await wait_async("resubmission done", lambda: finished(jobs, new)) == "COMPLETED"
        assert jobs.scontrol(new)["JobName"] == nasty
        expected = "START_STAGE=3" if kind == "script" else "START_STAGE=0"
        assert expected in jobs.sh(f"cat {shlex.quote(work)}/out_{new}.log")
        # "/" is "_" in the path parts, where a run `touch` would create a relative file.
        relative = canary.replace("/", "_")
        found = jobs.sh(
            f"find /home/hpcuser -name {shlex.quote(relative)}; ls -d {shlex.quote(canary)} 2>/dev/null; true"
        )
        assert found == ""


async def test_timeout_suggests_more_time(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        first = jobs.submit("--time=1", "--wrap", "sleep 600", cwd=work)
        wait_for("TIMEOUT", lambda: finished(jobs, first) == "TIMEOUT", timeout=180, every=3)
        async with lab_session(lab, "alpha", tmp_path / "audit.log") as session:
            resubmitter = Resubmitter(session.link, session.cluster, session.actions, ResubmitHistory(tmp_path / "h"))
            draft = await resubmitter.prepare(first)
        assert draft.last_state == "TIMEOUT"
        assert (draft.options.time, draft.suggested.time) == ("00:01:00", "00:02:00")


async def test_memory_edit_keeps_per_cpu_kind(lab, tmp_path):
    """lab/jobs/train.sbatch asks --mem-per-cpu: a --mem on the command line would make sbatch refuse."""
    train = (JOBS.parents[2] / "lab" / "jobs" / "train.sbatch").read_text()
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        jobs.put(f"{work}/train.sbatch", train)
        first = jobs.submit("--hold", "train.sbatch", cwd=work)
        _, commands, submitted, _ = await resubmit(lab, tmp_path, "alpha", first, ResubmitChoice(stage=2, mem="300M"))
        assert "--mem-per-cpu=300M" in commands[-1] and "--mem=" not in commands[-1]
        assert submitted.new_job_id is not None, submitted
        jobs.track(submitted.new_job_id)
        assert jobs.scontrol(submitted.new_job_id)["MinMemoryCPU"] == "300M"


async def test_job_the_controller_forgot_is_rebuilt_from_accounting(lab, tmp_path):
    """Slow (MinJobAge is 60 s in the lab): what post-mortem resubmits is usually this old."""
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir(" old")
        jobs.put(f"{work}/train.sbatch", STAGES)
        jobs.sh(f"mkdir -p {shlex.quote(work)}/logs")
        old = jobs.submit(
            "-J", "old-job", "-o", "logs/%x_%j.log", "--export=ALL,HOLD_SECONDS=1", "train.sbatch", cwd=work
        )
        wrapped = jobs.submit("--wrap", "true", cwd=work)
        jobs.put(f"{work}/args.sh", ARGS_SCRIPT)
        gpu = jobs.submit("--gres", "gpu:1", "-A", "lab", "-J", "gpu run", "args.sh", "--lr", "0.1", cwd=work)

        def forgotten() -> bool:
            return all(
                "Invalid job id" in lab.ssh("alpha", f"scontrol show job {job}").stderr for job in (old, wrapped, gpu)
            )

        await asyncio.to_thread(wait_for, "the controller to forget the jobs", forgotten, 480, 10)
        draft, commands, submitted, _ = await resubmit(lab, tmp_path, "alpha", old, ResubmitChoice(stage=1, mem="80M"))
        assert any("no longer knows" in note for note in draft.notes)
        assert (draft.last_state, draft.name, draft.script_path) == ("COMPLETED", "old-job", f"{work}/train.sbatch")
        assert draft.exported == {"HOLD_SECONDS": "1"}
        assert "--output=logs/%x_%j.log" in commands[-1] and "--mem=80M" in commands[-1]
        new = submitted.new_job_id
        assert new is not None, submitted
        jobs.track(new)
        assert await wait_async("resubmission done", lambda: finished(jobs, new)) == "COMPLETED"
        log = jobs.sh(f"cat {shlex.quote(work)}/logs/old-job_{new}.log")
        assert "START_STAGE=1" in log and "stage 0" not in log
        with pytest.raises(UserError, match="no script to resubmit"):
            await resubmit(lab, tmp_path, "alpha", wrapped, ResubmitChoice())

        draft, commands, submitted, _ = await resubmit(lab, tmp_path, "alpha", gpu, ResubmitChoice())
        assert draft.unrecovered == [] and (draft.script_path, draft.script_args) == (
            f"{work}/args.sh",
            ["--lr", "0.1"],
        )
        assert submitted.new_job_id is not None, submitted
        jobs.track(submitted.new_job_id)
        await_kept_request(jobs, submitted.new_job_id, f"{work}/args.sh --lr 0.1", "gpu run")


ARGS_SCRIPT = '#!/bin/sh\n#SBATCH -t 2\necho "args: $*"\n'


def await_kept_request(jobs, job_id: str, command: str, name: str) -> None:
    """The resubmitted job asks for what the original had: its GPU, account, name and arguments."""
    fields = jobs.scontrol(job_id)
    assert (fields["TresPerNode"], fields["Account"], fields["Command"], fields["JobName"]) == (
        "gres:gpu:1", "lab", command, name,
    )  # fmt: skip


async def test_resubmit_keeps_gres_account_and_arguments(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        jobs.put(f"{work}/args.sh", ARGS_SCRIPT)
        first = jobs.submit(
            "--hold", "--gres", "gpu:1", "-A", "lab", "-J", "gpu run", "args.sh", "--lr", "0.1", cwd=work
        )
        await wait_async("accounting to know the job", lambda: jobs.sacct_state(first))  # it lags a second or two
        draft, _, submitted, _ = await resubmit(lab, tmp_path, "alpha", first, ResubmitChoice())
        assert draft.unrecovered == [] and draft.script_args == ["--lr", "0.1"]
        assert submitted.new_job_id is not None, submitted
        jobs.track(submitted.new_job_id)
        await_kept_request(jobs, submitted.new_job_id, f"{work}/args.sh --lr 0.1", "gpu run")


async def test_saved_copy_is_byte_exact_and_keeps_arguments(lab, tmp_path):
    """A script with a Latin-1 byte and no final newline, deleted after submission."""
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        q = shlex.quote(work)
        jobs.sh(f"printf '#!/bin/sh\\n#SBATCH -t 2\\necho caf\\351 \"$*\"' > {q}/odd.sh && cp {q}/odd.sh {q}/keep")
        first = jobs.submit("--hold", "odd.sh", "x", cwd=work)
        jobs.sh(f"rm {q}/odd.sh")
        draft, _, submitted, _ = await resubmit(lab, tmp_path, "alpha", first, ResubmitChoice())
        assert draft.script_path is None and draft.script_args == ["x"]
        assert submitted.new_job_id is not None, submitted
        jobs.track(submitted.new_job_id)
        assert jobs.sh(f"cmp {q}/keep {shlex.quote(draft.saved_copy)} && echo same").strip() == "same"
        assert jobs.scontrol(submitted.new_job_id)["Command"] == f"{draft.saved_copy} x"


NONE_SCRIPT = """#!/bin/bash
#SBATCH --export=NONE
#SBATCH -t 2
#SBATCH -o none_%j.out
START_STAGE="${START_STAGE:-0}"
for STAGE in 0 1 2; do
    [ "$STAGE" -lt "$START_STAGE" ] && continue
    echo "stage $STAGE"
done
echo "ssh=${SSH_CONNECTION:-none}"
"""


async def test_stage_keeps_the_scripts_export_none(lab, tmp_path):
    """sshd sets SSH_CONNECTION in the login session: a job that imports the environment sees it."""
    with lab_jobs(lab, "alpha") as jobs:
        work = jobs.new_dir()
        jobs.put(f"{work}/none.sh", NONE_SCRIPT)
        first = jobs.submit("--hold", "none.sh", cwd=work)
        _, commands, submitted, _ = await resubmit(lab, tmp_path, "alpha", first, ResubmitChoice(stage=1))
        assert "--export=ALL" not in commands[-1]
        new = submitted.new_job_id
        assert new is not None, submitted
        jobs.track(new)
        assert await wait_async("resubmission done", lambda: finished(jobs, new)) == "COMPLETED"
        log = jobs.sh(f"cat {shlex.quote(work)}/none_{new}.out")
        assert "stage 0" not in log and "stage 1" in log and "ssh=none" in log
