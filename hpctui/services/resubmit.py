"""Resubmitting a job: plain, from a stage, or with more time / memory / another partition.

``Resubmitter.prepare`` gathers what the user must see before deciding (the script that will run,
its stages, its checkpoint, the job's last state, lint findings); ``commands`` gives the exact
commands for a choice; ``submit`` runs them (audited) and remembers old -> new job id in
``$XDG_STATE_HOME/hpctui/resubmits.jsonl`` so job details can show it.
"""

from __future__ import annotations

import asyncio
import posixpath
import shlex
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from hpctui.config.model import Cluster
from hpctui.errors import UserError
from hpctui.services.actions import Actions, Outcome, Runner, audit_warnings
from hpctui.services.audit import append_json_line, json_lines, state_dir
from hpctui.slurm import accounting
from hpctui.slurm import script as scripts
from hpctui.slurm.commands import (
    batch_script_command,
    batch_script_to_file_command,
    scontrol_job_command,
    validate_job_id,
)
from hpctui.slurm.directives import ScriptDirectives, read_directives
from hpctui.slurm.errors import SlurmProblem, check_errors, error_lines
from hpctui.slurm.models import ENDED_STATES
from hpctui.slurm.parse import parse_sbatch, parse_scontrol_job
from hpctui.slurm.submit import (
    Export,
    SubmitOptions,
    export_of,
    options_from_job,
    resubmit_command,
    suggest_mem,
    suggest_time,
)
from hpctui.slurm.submitline import Facts, SubmitLine, parse_submit_line
from hpctui.ssh.types import LinkError, Result
from hpctui.toolkit.lint import Finding, lint_submission

UNKNOWN_JOB = "Invalid job id specified"  # the controller's words for a job it no longer holds
# slurmdbd learns of a new job seconds after the controller (about 4 s for a held job in the lab)
ACCOUNTING_LAG_S = 2.0
ACCOUNTING_TRIES = 4


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
    saved_copy: str  # where the kept script is written when script_path is None
    copy_command: str | None  # writes the kept script to saved_copy (None: the file exists)
    copy_input: str | None  # what copy_command reads on stdin (None: Slurm writes it itself)
    options: SubmitOptions
    export: Export  # how the original job exported its environment
    last_state: str | None  # sacct's State of the job (TIMEOUT, OUT_OF_MEMORY, ...)
    stages: scripts.Stages | None
    auto_resume: scripts.AutoResume | None
    checkpoint_exists: bool | None  # None: path not resolvable or not checked
    findings: list[Finding]
    suggested: ResubmitChoice  # more time after TIMEOUT, more memory after OUT_OF_MEMORY
    notes: list[str] = field(default_factory=list)
    unrecovered: list[str] = field(default_factory=list)  # what the job had that may not be repeated
    current_state: str | None = None  # the controller's JobState now (RUNNING, PENDING, ...), if it still knows
    log_dirs: tuple[str, ...] = ()  # the job's log directories (output, error) that exist on the cluster

    @property
    def second_run(self) -> str | None:
        """The warning when the job still runs or waits: resubmitting starts it a second time."""
        if self.current_state is None or self.current_state in ENDED_STATES or self.current_state == "COMPLETING":
            return None
        return f"job {self.job_id} {self.name!r} is still {self.current_state}: this starts a second run"

    @property
    def submit_path(self) -> str:
        return self.script_path or self.saved_copy

    @property
    def exported(self) -> dict[str, str]:
        """Variables the original ``--export`` set, passed again."""
        return dict(self.export.variables)

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
    warnings: list[str] = field(default_factory=list)  # local records that could not be written

    @property
    def message(self) -> str:
        return self.outcomes[-1].message if self.outcomes else "nothing ran"


@dataclass(frozen=True)
class _Gathered:
    """What ``prepare`` learnt of the job; ``notes`` and ``unrecovered`` grow as it learns more."""

    job_id: str
    fields: dict[str, str]  # scontrol's, or rebuilt from accounting
    record: dict[str, str]  # accounting's
    kept: str | None  # the script Slurm kept (controller) or stored (accounting)
    known: bool  # the controller still knows the job
    notes: list[str]
    unrecovered: list[str]


@dataclass(frozen=True)
class _Script:
    text: str
    path: str | None
    args: list[str]
    typed: SubmitLine | None


class Resubmitter:
    def __init__(
        self, link: Runner, cluster: Cluster, actions: Actions, history: ResubmitHistory | None = None
    ) -> None:
        self.link = link
        self.cluster = cluster
        self.actions = actions
        self.history = history if history is not None else ResubmitHistory()

    async def prepare(self, job_id: str) -> ResubmitDraft:
        """Everything needed to show and build the resubmission. Raises UserError when neither
        the controller nor accounting knows the job, when the controller does not answer (twice:
        then accounting is NOT used, it would drop what only the controller knows), or when no
        script for it can be found."""
        job_id = validate_job_id(job_id, single=True)
        notes: list[str] = []
        unrecovered: list[str] = []
        shown, record = await asyncio.gather(self._controller_fields(job_id), self._accounting_record(job_id, notes))
        if shown is not None and record == {}:
            record = await self._accounting_when_ready(job_id, notes)
        record = record or {}
        if shown is None:
            fields, kept = await self._from_accounting(job_id, record, notes)
            job = _Gathered(job_id, fields, record, kept, False, notes, unrecovered)
            found = await self._script_from_accounting(job)
        else:
            kept = _kept_script(await self._run(batch_script_command(job_id)))
            job = _Gathered(job_id, shown, record, kept, True, notes, unrecovered)
            found = await self._script_from_controller(job)
        return await self._draft(job, found)

    async def _draft(self, job: _Gathered, found: _Script) -> ResubmitDraft:
        """The draft from what was gathered."""
        job_id, fields, record, known = job.job_id, job.fields, job.record, job.known
        notes, unrecovered = job.notes, job.unrecovered
        directives = read_directives(found.text)
        derived = options_from_job(fields, directives, found.typed)
        notes += derived.notes
        unrecovered += derived.unsure
        if not known:
            given = {g.name for g in (found.typed.options if found.typed else ())} | {
                g.name for g in directives.options().options
            }
            unrecovered += [u for u in (accounting.unrecovered_cpus(record, given),) if u]
        work_dir = fields.get("WorkDir") or ""
        options = self._options(derived.options, notes)
        export = export_of(found.typed, directives)
        _note_export(export, notes)
        if len(found.args) > 1:
            notes.append(
                f"The script's arguments are passed as {len(found.args)} words: Slurm keeps them joined by spaces, "
                "so one that held a space cannot be told apart."
            )
        auto = scripts.detect_auto_resume(found.text, work_dir, {"SLURM_JOB_NAME": fields.get("JobName", "")})
        last_state = record.get("State") or None
        saved_copy = scripts.saved_copy_path(work_dir, job_id)
        copy_command = None
        if found.path is None:
            copy_command = (
                batch_script_to_file_command(job_id, saved_copy) if known else scripts.save_copy_command(saved_copy)
            )
        draft = ResubmitDraft(
            cluster=self.cluster.name,
            job_id=job_id,
            name=fields.get("JobName", ""),
            work_dir=work_dir,
            script=found.text,
            script_path=found.path,
            script_args=found.args,
            saved_copy=saved_copy,
            copy_command=copy_command,
            copy_input=found.text if copy_command is not None and not known else None,
            options=options,
            export=export,
            last_state=last_state,
            stages=scripts.detect_stages(found.text),
            auto_resume=auto,
            checkpoint_exists=await self._exists(auto.resolved) if auto and auto.resolved else None,
            findings=[],
            suggested=_suggest(last_state, options),
            notes=notes,
            unrecovered=unrecovered,
            current_state=(fields.get("JobState") or None) if known else None,
            log_dirs=await self._present_dirs(_log_dirs(work_dir, options, directives)),
        )
        return replace(draft, findings=self.lint(draft, ResubmitChoice()))

    async def _accounting_record(self, job_id: str, notes: list[str]) -> dict[str, str] | None:
        """The job's accounting record; {} when accounting has none, None when sacct failed."""
        try:
            result = await self.link.run(accounting.accounting_job_command(job_id))
        except LinkError as exc:
            notes.append(f"sacct: {exc}")
            return None
        try:
            return accounting.parse_accounting_job(result.stdout + result.stderr)
        except SlurmProblem as exc:
            notes.append(f"sacct: {exc}")
            return None

    async def _accounting_when_ready(self, job_id: str, notes: list[str]) -> dict[str, str] | None:
        """A job submitted a moment ago reaches accounting a few seconds after the controller."""
        for _ in range(ACCOUNTING_TRIES):
            await asyncio.sleep(ACCOUNTING_LAG_S)
            record = await self._accounting_record(job_id, notes)
            if record != {}:
                return record
        return {}

    async def _controller_fields(self, job_id: str) -> dict[str, str] | None:
        """``scontrol show job`` fields, or None when the controller says it does not know the
        job. Anything else (timeout, socket error, unreadable answer) is tried once more, then
        refused in Slurm's words."""
        problem = ""
        for _ in range(2):
            try:
                shown = await self.link.run(scontrol_job_command(job_id))
            except LinkError as exc:
                problem = str(exc)
                continue
            if UNKNOWN_JOB in shown.stderr or UNKNOWN_JOB in shown.stdout:
                return None
            try:
                check_errors(shown.stderr)
                return parse_scontrol_job(shown.stdout)
            except SlurmProblem as exc:
                problem = str(exc)
        raise UserError(
            f"job {job_id}: the controller did not answer twice ({problem}); not rebuilding the job from "
            "accounting, which would drop what only the controller knows. Try again later."
        )

    async def _from_accounting(
        self, job_id: str, record: dict[str, str], notes: list[str]
    ) -> tuple[dict[str, str], str | None]:
        """Fields and the stored script (if the site keeps scripts) of a job the controller forgot."""
        if not record:
            raise UserError(f"job {job_id}: the controller no longer knows it, and accounting has no record of it")
        stored = accounting.parse_stored_script((await self._run(accounting.stored_script_command(job_id))).stdout)
        notes.append(
            f"The controller no longer knows job {job_id}: its requests come from accounting, its "
            "original command line (SubmitLine) and the script's #SBATCH lines."
        )
        if stored is None:
            notes.append(
                "Accounting keeps no copy of the script: the file the job was submitted with runs as it is now."
            )
        return accounting.fields_from_accounting(job_id, record), stored

    async def _script_from_controller(self, job: _Gathered) -> _Script:
        """The job's script file as it is now when it still exists, else the copy Slurm kept;
        its arguments from ``Command=``, or from the SubmitLine when the file is gone.

        ``Command=`` keeps a path typed with a directory part as typed (``sbatch ../a/t.sh``:
        ``Command=../a/t.sh``), relative to the directory sbatch ran in, which Slurm does not
        keep: the job's WorkDir is the best guess for it (the same unless --chdir was given)."""
        job_id, kept, notes, unrecovered = job.job_id, job.kept, job.notes, job.unrecovered
        command = job.fields.get("Command", "")
        wrapped = command in ("", "(null)")
        typed = _typed(job.record, Facts(job.fields.get("JobName"), None if wrapped else command), unrecovered)
        unrecovered += _ambiguity(typed)
        work_dir = job.fields.get("WorkDir", "")
        found = None if wrapped else await self._probe(_candidates_in(work_dir, command))
        if found is not None:
            path, text = found
            if kept is not None and text != kept:
                notes.append(f"{path} changed since job {job_id} was submitted: the current file will run.")
            return _Script(text, path, scripts.split_command(command, _typed_path(command, path, work_dir)), typed)
        if kept is None:
            where = "it was submitted with --wrap" if wrapped else f"{command} no longer exists"
            raise UserError(f"job {job_id}: no script to resubmit: {where} and Slurm kept no copy")
        why = "was submitted with --wrap" if wrapped else f"script {command} no longer exists"
        notes.append(f"Job {job_id} {why}: the script Slurm kept will be saved on the cluster and submitted.")
        return _Script(kept, None, [] if wrapped else _arguments(command, typed, unrecovered), typed)

    async def _script_from_accounting(self, job: _Gathered) -> _Script:
        """The script named on the SubmitLine (relative to the job's directory), else the stored copy."""
        job_id, stored, unrecovered = job.job_id, job.kept, job.unrecovered
        typed = _typed(job.record, Facts(job.fields.get("JobName")), unrecovered)
        work_dir = job.fields.get("WorkDir", "")
        candidates = typed_candidates(typed, work_dir) if typed is not None else []
        found = await self._probe(candidates) if candidates else None
        if found is not None and typed is not None:
            path, text = found
            narrowed = typed.narrowed(lambda r: path in _reading_candidates(r.operands, work_dir))
            unrecovered += _ambiguity(narrowed)
            typed_path = _typed_path(" ".join(narrowed.operands), path, work_dir)
            if narrowed.get("chdir") is not None and not typed_path.startswith("/"):
                unrecovered.append(
                    f"script {typed_path}: the job changed directory (--chdir), so where it was is a guess: {path}"
                )
            return _Script(text, path, list(narrowed.operands[len(typed_path.split(" ")) :]), narrowed)
        if stored is None:
            raise UserError(
                f"job {job_id}: no script to resubmit: it is not on the cluster any more and accounting kept no copy"
            )
        job.notes.append(
            f"Job {job_id}'s script file is gone: the copy accounting kept will be saved on the cluster and submitted."
        )
        unrecovered += _ambiguity(typed)
        args = list(typed.operands[1:]) if typed is not None and typed.operands else []
        return _Script(stored, None, args, typed)

    async def _probe(self, candidates: list[str]) -> tuple[str, str] | None:
        result = await self._run(scripts.script_probe_command(candidates))
        return scripts.parse_script_probe(result.stdout, candidates)

    def lint(self, draft: ResubmitDraft, choice: ResubmitChoice) -> list[Finding]:
        """The findings on what ``choice`` submits: the script with the command's options
        (they win over its ``#SBATCH`` lines), where the job's directory, the script's and the
        log directories found on the cluster exist. UserError on a bad value, as ``commands``."""
        known = (*(posixpath.dirname(p) for p in (draft.script_path,) if p), *draft.log_dirs)
        return lint_submission(
            draft.script, draft.script_path or f"{draft.job_id}.sbatch", self._edited(draft, choice).as_options(),
            self.cluster.rules, cluster=self.cluster.name, work_dir=draft.work_dir, existing_dirs=known,
        )  # fmt: skip

    def commands(self, draft: ResubmitDraft, choice: ResubmitChoice) -> list[str]:
        """The exact commands for ``choice`` (validated; UserError on a bad value)."""
        options = self._edited(draft, choice)
        extra_env = dict(self.cluster.env)
        if choice.stage is not None:
            if draft.stages is None or choice.stage not in draft.stages.values:
                raise UserError(f"job {draft.job_id}'s script has no stage {choice.stage}")
            extra_env[draft.stages.variable] = str(choice.stage)
        sbatch = resubmit_command(
            draft.submit_path, draft.script_args, work_dir=draft.work_dir, export=draft.export,
            extra_env=extra_env, options=options.as_options(),
        )  # fmt: skip
        return [sbatch] if draft.copy_command is None else [draft.copy_command, sbatch]

    async def submit(self, draft: ResubmitDraft, choice: ResubmitChoice) -> Submitted:
        """Run the commands. Never raises for a local record that cannot be written (audit,
        history): that is a warning, and the new job id is returned all the same."""
        commands = self.commands(draft, choice)
        outcomes: list[Outcome] = []
        if draft.copy_command is not None:
            outcomes.append(await self.actions.run_state_changing(commands[0], input=draft.copy_input))
            if not outcomes[-1].ok:
                return Submitted(None, outcomes, audit_warnings(outcomes))
        outcomes.append(await self.actions.run_state_changing(commands[-1]))
        new_id = _submitted_id(outcomes[-1])
        warnings = audit_warnings(outcomes)
        if new_id is not None:
            try:
                self.history.record(self.cluster.name, draft.job_id, new_id, choice.stage)
            except OSError as exc:
                warnings.append(
                    f"resubmit history not written ({exc}): job details will not show {draft.job_id} -> {new_id}"
                )
        return Submitted(new_id, outcomes, warnings)

    async def _run(self, command: str) -> Result:
        try:
            return await self.link.run(command)
        except LinkError as exc:
            raise UserError(str(exc)) from exc

    def _options(self, options: SubmitOptions, notes: list[str]) -> SubmitOptions:
        if self._forbids_mem(options.partition) and options.memory:
            notes.append(f"Memory is not passed: partition {options.partition} allocates whole nodes (cluster rules).")
        return options

    def _forbids_mem(self, partition: str | None) -> bool:
        return partition in self.cluster.rules.forbid_mem_partitions

    def _edited(self, draft: ResubmitDraft, choice: ResubmitChoice) -> SubmitOptions:
        """The draft's options with the choice's edits; memory dropped where the partition
        forbids it (an explicit --mem there is an error: it would crash the job)."""
        options = draft.options.edited(choice.time, choice.mem, choice.partition)
        if not self._forbids_mem(options.partition):
            return options
        if choice.mem:
            raise UserError(f"partition {options.partition} allocates whole nodes: --mem is not allowed there")
        return options.without_memory()

    async def _exists(self, path: str) -> bool | None:
        result = await self._run(scripts.file_exists_command(path))
        answer = result.stdout.strip()
        return {"present": True, "absent": False}.get(answer)

    async def _present_dirs(self, paths: tuple[str, ...]) -> tuple[str, ...]:
        """Those of ``paths`` that are directories on the cluster."""
        if not paths:
            return ()
        answers = (await self._run(dirs_present_command(paths))).stdout.splitlines()
        return tuple(path for path, answer in zip(paths, answers, strict=False) if answer == "present")


def _log_dirs(work_dir: str, options: SubmitOptions, directives: ScriptDirectives) -> tuple[str, ...]:
    """The directories the job's logs go to (command line and ``#SBATCH`` lines), a relative
    one taken from the job's directory as Slurm does; those with a pattern or a variable are
    left out (where they go is known only when the job runs)."""
    values = (options.output, options.error, directives.get("output"), directives.get("error"))
    found = [posixpath.dirname(v) for v in values if v]
    resolved = [posixpath.normpath(posixpath.join(work_dir, d)) for d in found if d and "%" not in d and "$" not in d]
    return tuple(dict.fromkeys(d for d in resolved if d.startswith("/")))


def dirs_present_command(paths: tuple[str, ...]) -> str:
    """One ``present`` or ``absent`` line per path: whether it is a directory."""
    script = 'for d in "$@"; do if test -d "$d"; then echo present; else echo absent; fi; done'
    return f"sh -c {shlex.quote(script)} sh {' '.join(shlex.quote(p) for p in paths)}"


def _kept_script(fetched: Result) -> str | None:
    return fetched.stdout if fetched.ok and not error_lines(fetched.stderr) and fetched.stdout else None


def _typed(record: dict[str, str], facts: Facts, unrecovered: list[str]) -> SubmitLine | None:
    """The original command line, read with what Slurm still knows; None when accounting has none.
    What stays ambiguous is for the caller to report, once it has learnt all it can."""
    line = record.get("SubmitLine", "")
    if not line.strip():
        unrecovered.append(
            "the original sbatch command line (accounting has no SubmitLine): options given only there that "
            "the controller does not report (--export, --signal, --mail-type, ...) are not repeated"
        )
        return None
    return parse_submit_line(line, facts)


def _ambiguity(typed: SubmitLine | None) -> list[str]:
    said = typed.ambiguity() if typed is not None else None
    return [said] if said else []


def typed_candidates(typed: SubmitLine, work_dir: str) -> list[str]:
    """Script paths the readings of the SubmitLine name, each split of each reading, in order."""
    found = [c for reading in typed.readings for c in _reading_candidates(reading.operands, work_dir)]
    return list(dict.fromkeys(found))


def _reading_candidates(operands: tuple[str, ...], work_dir: str) -> list[str]:
    return _candidates_in(work_dir, " ".join(operands)) if operands else []


def _candidates_in(work_dir: str, command: str) -> list[str]:
    """Where the script of ``command`` (a path and its arguments) may be, a relative path taken from ``work_dir``."""
    return [posixpath.join(work_dir, c) for c in scripts.script_candidates(command)]


def _typed_path(command: str, path: str, work_dir: str) -> str:
    """The script path as typed in ``command`` that resolves to ``path``."""
    for candidate in scripts.script_candidates(command):
        if posixpath.join(work_dir, candidate) == path:
            return candidate
    return command.split(" ")[0]


def _arguments(command: str, typed: SubmitLine | None, unrecovered: list[str]) -> list[str]:
    """The script's arguments when its file is gone: from the SubmitLine that matches
    ``Command=``, else ``Command=`` after its first word (a guess when it has several)."""
    if typed is not None and typed.operands and command.endswith(" ".join(typed.operands).removeprefix("./")):
        return list(typed.operands[1:])
    words = command.split(" ")
    if len(words) > 1:
        unrecovered.append(
            f"the script's arguments: Command={command} is taken as {words[0]} with arguments {' '.join(words[1:])}"
        )
    return words[1:]


def _note_export(export: Export, notes: list[str]) -> None:
    if export.variables:
        passed = " ".join(f"{name}={value}" for name, value in export.variables)
        notes.append(f"The original --export variables are passed again: {passed}")
    if not export.import_all:
        notes.append(
            "The job did not import the whole environment (--export without ALL): neither does the resubmission."
        )


def _suggest(last_state: str | None, options: SubmitOptions) -> ResubmitChoice:
    if last_state == "TIMEOUT":
        return ResubmitChoice(time=suggest_time(options.time))
    if last_state == "OUT_OF_MEMORY":
        return ResubmitChoice(mem=suggest_mem(options.memory))
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
        try:
            lines = json_lines(self.path)
        except OSError:  # an unreadable history links nothing; it never stops the details screen
            return None
        found = [
            str(data[wanted])
            for _, data in lines  # a torn line (None) matches nothing
            if data and data.get("cluster") == cluster and data.get(key) == value and wanted in data
        ]
        return found[-1] if found else None
