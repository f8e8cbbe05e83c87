"""Job actions (cancel, requeue, hold, release) on one cluster, audited.

``plan`` validates ids and builds the exact command strings (shown verbatim before they run);
``execute`` runs them over the cluster's one link. Slurm's refusals come back verbatim: scancel
and scontrol sometimes print an error and still exit 0, so error lines count whatever the status.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from hpctui.errors import UserError
from hpctui.services.audit import AuditLog
from hpctui.slurm import commands
from hpctui.slurm.errors import error_lines
from hpctui.slurm.models import Job
from hpctui.slurm.parse import reason_kind
from hpctui.ssh.types import LinkError, Result

BUILDERS: dict[str, Callable[[list[str]], str]] = {
    "cancel": commands.cancel_command,
    "requeue": commands.requeue_command,
    "hold": commands.hold_command,
    "release": commands.release_command,
}
VERBS = tuple(BUILDERS)


class Runner(Protocol):
    async def run(self, command: str, *, timeout: float | None = None, input: str | None = None) -> Result: ...


@dataclass(frozen=True)
class Plan:
    verb: str
    job_ids: tuple[str, ...]
    commands: list[str]  # one per job, so each refusal is reported against its job


@dataclass(frozen=True)
class Outcome:
    command: str
    ok: bool
    message: str  # Slurm's words verbatim (stderr, else stdout), or why the command could not run
    stdout: str = ""
    exit_status: int | None = None
    warning: str | None = None  # the audit line could not be written (disk full, read-only, ...)


class Actions:
    """Cancel, requeue, hold and release on one cluster, and any other state-changing command.

    ``plan`` builds the exact commands (validated ids) that the user confirms; ``execute`` runs
    them over the link. Guarantees: every command is audited; Slurm's refusals come back in its
    own words; an audit write that fails becomes a warning on the outcome, never an exception
    that would hide the outcome; the poller is asked to refresh afterwards.
    """

    def __init__(
        self, link: Runner, cluster_name: str, audit: AuditLog | None = None, after: Callable[[], None] | None = None
    ) -> None:
        self.link = link
        self.cluster_name = cluster_name
        self.audit = audit if audit is not None else AuditLog()
        self.after = after

    def plan(self, verb: str, job_ids: list[str] | tuple[str, ...]) -> Plan:
        return plan_action(verb, job_ids)

    async def execute(self, plan: Plan) -> list[Outcome]:
        try:
            return list(await asyncio.gather(*(self._run_logged(c) for c in plan.commands)))
        finally:
            self._refresh()

    async def run_state_changing(self, command: str, input: str | None = None) -> Outcome:
        """Run one command that changes something on the cluster (sbatch, writing a script copy):
        audited, then the poller is asked to refresh."""
        try:
            return await self._run_logged(command, input)
        finally:
            self._refresh()

    async def _run_logged(self, command: str, input: str | None = None) -> Outcome:
        """Run and audit. A failed audit write never hides what the cluster did: the outcome
        comes back with a warning to show after it."""
        outcome = await self._run(command, input)
        try:
            self.audit.append(self.cluster_name, command, outcome.ok, outcome.message, outcome.exit_status)
        except OSError as exc:
            return replace(outcome, warning=f"audit log not written ({exc}): {command}")
        return outcome

    async def _run(self, command: str, input: str | None) -> Outcome:
        try:
            result = await self.link.run(command, input=input)
        except LinkError as exc:  # includes CommandTimeout: the command may or may not have run
            return Outcome(command, False, f"not confirmed: {exc}")
        return outcome_of(result)

    def _refresh(self) -> None:
        if self.after is not None:
            self.after()


HELD = "HELD"  # not a Slurm state: a pending job held by its user or an administrator

# What a verb does and does not do, for the headless commands (they ask no squeue for states).
VERB_NOTES = {
    "hold": "a hold only keeps a pending job from starting; a running job goes on",
    "release": "release only lets a held, pending job start",
    "requeue": "a requeued job starts again from the beginning (or its checkpoint); Slurm refuses pending jobs",
}

# What the user should know before confirming, by verb and by the state of the jobs it touches.
_ADVICE = {
    ("hold", HELD): "{n} of these jobs are held already: holding them again changes nothing.",
    ("hold", "RUNNING"): "{n} of these jobs run already: " + VERB_NOTES["hold"] + ".",
    ("release", "RUNNING"): "{n} of these jobs run already: " + VERB_NOTES["release"] + ".",
    ("requeue", "RUNNING"): "A requeued job starts again from the beginning (or from its checkpoint, when its "
    "script auto-resumes), after Slurm's requeue delay; its output file is truncated unless it was submitted "
    "with --open-mode=append.",
    ("requeue", "PENDING"): "{n} of these jobs are pending: Slurm refuses to requeue a job that has not started.",
}


def advice_state(job: Job) -> str:
    """The state ``advice`` goes by: the job's, HELD for a pending job on hold."""
    return HELD if job.state == "PENDING" and reason_kind(job.reason) == "held" else job.state


def advice(verb: str, states: list[str]) -> str:
    """Plain words on what ``verb`` will (not) do to jobs in ``states``, for the confirm dialog."""
    lines = []
    for state in dict.fromkeys(states):
        text = _ADVICE.get((verb, state))
        if text:
            lines.append(text.format(n=states.count(state)))
    return " ".join(lines)


def plan_action(verb: str, job_ids: list[str] | tuple[str, ...]) -> Plan:
    """Validated, de-duplicated ids and one command per job; a task of an array that is itself
    in the list goes (Slurm acts on all of the array's tasks already). Raises UserError."""
    if verb not in BUILDERS:
        raise UserError(f"unknown action {verb!r} (one of: {', '.join(VERBS)})")
    unique = tuple(dict.fromkeys(commands.validate_job_id(j) for j in job_ids))
    ids = tuple(j for j in unique if "_" not in j or j.partition("_")[0] not in unique)
    if not ids:
        raise UserError(f"{verb}: no job selected")
    return Plan(verb, ids, [BUILDERS[verb]([job_id]) for job_id in ids])


def audit_warnings(outcomes: list[Outcome]) -> list[str]:
    """The warnings of ``outcomes``, to show after the outcomes themselves."""
    return [o.warning for o in outcomes if o.warning]


def outcome_of(result: Result) -> Outcome:
    stderr, stdout = result.stderr.strip(), result.stdout.strip()
    ok = result.exit_status == 0 and not error_lines(result.stderr) and not error_lines(result.stdout)
    message = stderr or stdout or ("done" if ok else f"failed with exit status {result.exit_status}")
    return Outcome(result.command, ok, message, result.stdout, result.exit_status)
