"""Resubmitting a job: plain, from a stage, or with more time / memory / another partition.

``Resubmitter.prepare`` gathers what the user must see before deciding (the script that will run,
its stages, its checkpoint, the job's last state, lint findings); ``commands`` gives the exact
commands for a choice; ``submit`` runs them (audited) and remembers old -> new job id in
``$XDG_STATE_HOME/hpctui/resubmits.jsonl`` so job details can show it.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from hpctui.config.model import Cluster
from hpctui.errors import UserError
from hpctui.services.actions import Actions, Outcome, Runner
from hpctui.services.audit import append_json_line, json_lines, state_dir
from hpctui.slurm import resubmit as pure
from hpctui.slurm.commands import batch_script_command, scontrol_job_command, validate_job_id
from hpctui.slurm.errors import SlurmProblem, check_errors, error_lines
from hpctui.slurm.parse import parse_sbatch, parse_scontrol_job
from hpctui.ssh.types import LinkError, Result
from hpctui.toolkit.lint import Finding, lint_text


@dataclass(frozen=True)
class ResubmitChoice:
    stage: int | None = None  # None: the script's own default (plain resubmit)
    time: str | None = None
    mem: str | None = None
    partition: str | None = None


@dataclass(frozen=True)
class ResubmitDraft:
    cluster: str
    job_id: str
    name: str
    work_dir: str
    script: str  # the text that will run
    script_path: str | None  # the job's script file when it still exists, else None
    script_args: list[str]
    saved_copy: str  # where the fetched script is written when script_path is None
    options: pure.SubmitOptions
    exported: dict[str, str]  # variables the original sbatch --export passed
    last_state: str | None  # sacct's State of the job (TIMEOUT, OUT_OF_MEMORY, ...)
    stages: pure.Stages | None
    auto_resume: pure.AutoResume | None
    checkpoint_exists: bool | None  # None: path not resolvable or not checked
    findings: list[Finding]
    suggested: ResubmitChoice  # more time after TIMEOUT, more memory after OUT_OF_MEMORY
    notes: list[str] = field(default_factory=list)

    @property
    def submit_path(self) -> str:
        return self.script_path or self.saved_copy

    def resume_note(self) -> str | None:
        if self.auto_resume is None:
            return None
        where = self.auto_resume.resolved or self.auto_resume.checkpoint
        if self.checkpoint_exists is True:
            return f"The script auto-resumes: it will continue from {where} (present)."
        if self.checkpoint_exists is False:
            return f"The script auto-resumes from {where}, which does not exist yet: it will start fresh."
        return f"The script auto-resumes from {where} when that file exists (path not resolvable here)."


@dataclass(frozen=True)
class Submitted:
    new_job_id: str | None
    outcomes: list[Outcome]

    @property
    def message(self) -> str:
        return self.outcomes[-1].message if self.outcomes else "nothing ran"


class Resubmitter:
    def __init__(self, link: Runner, cluster: Cluster, actions: Actions, history: ResubmitHistory | None = None) -> None:
        self.link = link
        self.cluster = cluster
        self.actions = actions
        self.history = history if history is not None else ResubmitHistory()

    async def prepare(self, job_id: str) -> ResubmitDraft:
        """Everything needed to show and build the resubmission. Raises UserError when neither
        the controller nor accounting knows the job, or no script for it can be found."""
        job_id = validate_job_id(job_id, single=True)
        shown, fetched, accounting = await asyncio.gather(
            self._run(scontrol_job_command(job_id)),
            self._run(batch_script_command(job_id)),
            self._run(pure.accounting_job_command(job_id)),
        )
        notes: list[str] = []
        record = _accounting(accounting, notes)
        try:
            fields, kept, forgotten = _controller_fields(shown), _kept_script(fetched), False
        except SlurmProblem as exc:  # finished a while ago: the controller forgot it
            (fields, kept), forgotten = await self._from_accounting(job_id, record, str(exc), notes), True
        script, path, args = await self._current_script(job_id, fields.get("Command", ""), kept, notes)
        if forgotten:
            fields = {**fields, **pure.accounting_memory(fields, script)}
        work_dir = fields.get("WorkDir") or ""
        options = self._options(fields, script, notes)
        auto = pure.detect_auto_resume(script, work_dir, {"SLURM_JOB_NAME": fields.get("JobName", "")})
        last_state = record.get("State") or None
        return ResubmitDraft(
            cluster=self.cluster.name,
            job_id=job_id,
            name=fields.get("JobName", ""),
            work_dir=work_dir,
            script=script,
            script_path=path,
            script_args=args,
            saved_copy=pure.saved_copy_path(work_dir, job_id),
            options=options,
            exported=_exported(record, notes),
            last_state=last_state,
            stages=pure.detect_stages(script),
            auto_resume=auto,
            checkpoint_exists=await self._exists(auto.resolved) if auto and auto.resolved else None,
            findings=lint_text(script, path or f"{job_id}.sbatch", self.cluster.rules, cluster=self.cluster.name),
            suggested=_suggest(last_state, options),
            notes=notes,
        )

    async def _from_accounting(
        self, job_id: str, record: dict[str, str], why: str, notes: list[str]
    ) -> tuple[dict[str, str], str | None]:
        """Fields and the stored script (if the site keeps scripts) of a job the controller forgot."""
        if not record:
            raise UserError(f"job {job_id}: {why}, and accounting has no record of it")
        stored = pure.parse_stored_script((await self._run(pure.stored_script_command(job_id))).stdout)
        notes.append(
            f"The controller no longer knows job {job_id}: name, partition and time limit come from "
            "accounting, other options from the script's #SBATCH lines."
        )
        if stored is None:
            notes.append("Accounting keeps no copy of the script: the file the job was submitted with runs as it is now.")
        return pure.fields_from_accounting(job_id, record), stored

    def commands(self, draft: ResubmitDraft, choice: ResubmitChoice) -> list[str]:
        """The exact commands for ``choice`` (validated; UserError on a bad value)."""
        options = self._edited(draft, choice)
        export = {**dict(self.cluster.env), **draft.exported}
        if choice.stage is not None:
            if draft.stages is None or choice.stage not in draft.stages.values:
                raise UserError(f"job {draft.job_id}'s script has no stage {choice.stage}")
            export[draft.stages.variable] = str(choice.stage)
        sbatch = pure.resubmit_command(
            draft.submit_path, draft.script_args, work_dir=draft.work_dir, export=export, options=options.as_options()
        )
        return [sbatch] if draft.script_path else [pure.save_copy_command(draft.saved_copy), sbatch]

    async def submit(self, draft: ResubmitDraft, choice: ResubmitChoice) -> Submitted:
        commands = self.commands(draft, choice)
        outcomes: list[Outcome] = []
        if draft.script_path is None:
            outcomes.append(await self.actions.run_state_changing(commands[0], input=draft.script))
            if not outcomes[-1].ok:
                return Submitted(None, outcomes)
        outcomes.append(await self.actions.run_state_changing(commands[-1]))
        new_id = _submitted_id(outcomes[-1])
        if new_id is not None:
            self.history.record(self.cluster.name, draft.job_id, new_id, choice.stage)
        return Submitted(new_id, outcomes)

    async def _run(self, command: str) -> Result:
        try:
            return await self.link.run(command)
        except LinkError as exc:
            raise UserError(str(exc)) from exc

    async def _current_script(
        self, job_id: str, command: str, kept: str | None, notes: list[str]
    ) -> tuple[str, str | None, list[str]]:
        """The job's script file as it is now when it still exists, else the copy Slurm kept."""
        found = None
        if command not in ("", "(null)"):
            found = pure.parse_script_probe((await self._run(pure.script_probe_command(command))).stdout, command)
        if found is None and kept is None:
            where = f"{command} no longer exists" if command not in ("", "(null)") else "it was submitted with --wrap"
            raise UserError(f"job {job_id}: no script to resubmit: {where} and Slurm kept no copy")
        if found is None:
            assert kept is not None
            why = "was submitted with --wrap" if command in ("", "(null)") else f"script {command} no longer exists"
            notes.append(f"Job {job_id} {why}: the script Slurm kept will be saved on the cluster and submitted.")
            return kept, None, []
        path, args, text = found
        if kept is not None and text != kept:
            notes.append(f"{path} changed since job {job_id} was submitted: the current file will run.")
        return text, path, args

    def _options(self, fields: dict[str, str], script: str, notes: list[str]) -> pure.SubmitOptions:
        options = pure.options_from_job(fields, script)
        if self._forbids_mem(options.partition) and (options.mem or options.mem_per_cpu):
            notes.append(f"Memory is not passed: partition {options.partition} allocates whole nodes (cluster rules).")
        return options

    def _forbids_mem(self, partition: str | None) -> bool:
        return partition in self.cluster.rules.forbid_mem_partitions

    def _edited(self, draft: ResubmitDraft, choice: ResubmitChoice) -> pure.SubmitOptions:
        """The draft's options with the choice's edits; memory dropped where the partition
        forbids it (an explicit --mem there is an error: it would crash the job)."""
        options = draft.options.edited(choice.time, choice.mem, choice.partition)
        if not self._forbids_mem(options.partition):
            return options
        if choice.mem:
            raise UserError(f"partition {options.partition} allocates whole nodes: --mem is not allowed there")
        return options.without_memory()

    async def _exists(self, path: str) -> bool | None:
        result = await self._run(pure.file_exists_command(path))
        answer = result.stdout.strip()
        return {"present": True, "absent": False}.get(answer)


def _controller_fields(shown: Result) -> dict[str, str]:
    """``scontrol show job`` fields; SlurmProblem when the controller does not know the job."""
    check_errors(shown.stderr)
    return parse_scontrol_job(shown.stdout)


def _kept_script(fetched: Result) -> str | None:
    return fetched.stdout if fetched.ok and not error_lines(fetched.stderr) and fetched.stdout else None


def _accounting(accounting: Result, notes: list[str]) -> dict[str, str]:
    try:
        return pure.parse_accounting_job(accounting.stdout + accounting.stderr)
    except SlurmProblem as exc:
        notes.append(f"sacct: {exc}")
        return {}


def _exported(record: dict[str, str], notes: list[str]) -> dict[str, str]:
    """The variables the original sbatch --export passed, from its SubmitLine."""
    exported = pure.exported_variables(record.get("SubmitLine", ""))
    if exported:
        passed = " ".join(f"{name}={value}" for name, value in exported.items())
        notes.append(f"The original --export variables are passed again: {passed}")
    return exported


def _suggest(last_state: str | None, options: pure.SubmitOptions) -> ResubmitChoice:
    if last_state == "TIMEOUT":
        return ResubmitChoice(time=pure.suggest_time(options.time))
    if last_state == "OUT_OF_MEMORY":
        return ResubmitChoice(mem=pure.suggest_mem(options.memory))
    return ResubmitChoice()


def _submitted_id(outcome: Outcome) -> str | None:
    if not outcome.ok:
        return None
    try:
        return parse_sbatch(outcome.stdout)
    except SlurmProblem:
        return None


class ResubmitHistory:
    """Which job was resubmitted as which, one JSON object a line (append-only)."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else state_dir() / "resubmits.jsonl"

    def record(self, cluster: str, old: str, new: str, stage: int | None) -> None:
        append_json_line(self.path, {"time": time.time(), "cluster": cluster, "old": old, "new": new, "stage": stage})

    def lookup(self, cluster: str, old: str) -> str | None:
        """The latest job that resubmitted ``old`` on ``cluster``, or None."""
        return self._latest(cluster, "old", old, "new")

    def origin(self, cluster: str, new: str) -> str | None:
        """The job that ``new`` resubmitted, or None."""
        return self._latest(cluster, "new", new, "old")

    def _latest(self, cluster: str, key: str, value: str, wanted: str) -> str | None:
        found = [
            str(data[wanted])
            for _, data in json_lines(self.path)  # a torn line (None) matches nothing
            if data and data.get("cluster") == cluster and data.get(key) == value and wanted in data
        ]
        return found[-1] if found else None
