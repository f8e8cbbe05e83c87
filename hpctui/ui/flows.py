"""Multi-step UI flows shared by the screens: plan -> confirm -> execute -> notify."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len, set_cell_size

from hpctui.errors import UserError
from hpctui.format import plural
from hpctui.services.actions import Outcome, Plan, advice, advice_state, audit_warnings
from hpctui.slurm.models import ENDED_STATES
from hpctui.ssh.types import LinkError
from hpctui.ui.dialogs.confirm import confirm
from hpctui.ui.queue_model import task_span
from hpctui.visible import visible

if TYPE_CHECKING:
    from textual.app import App

    from hpctui.services.cluster import ClusterSession
    from hpctui.slurm.models import Job

ERROR_TIMEOUT_S = 15.0
NAME_CELLS = 40  # a job name in a confirmation's summary is cut to this (its state stays in view)

# One confirmation at a time per app: marked jobs on two clusters ask twice, one after the other.
_ASKING: weakref.WeakKeyDictionary[App[Any], asyncio.Lock] = weakref.WeakKeyDictionary()


async def run_action(app: App[Any], session: ClusterSession, verb: str, job_ids: list[str]) -> None:
    """Cancel/requeue/hold/release ``job_ids`` on the session's cluster after the user confirms
    the exact commands; the outcome (Slurm's own words on refusal) goes to ``app.notify``.

    Run it in a worker (``self.run_worker(run_action(...))``): it waits for the user's answer."""
    try:
        plan = session.actions.plan(verb, job_ids)
    except UserError as exc:
        app.notify(visible(str(exc)), title=verb, severity="error", timeout=ERROR_TIMEOUT_S, markup=False)
        return
    count = f"{len(plan.job_ids)} jobs" if len(plan.job_ids) > 1 else f"job {plan.job_ids[0]}"
    title = f"{verb.capitalize()} {count} on {session.cluster.name}?"
    async with _ASKING.setdefault(app, asyncio.Lock()):  # a second cluster's dialog waits for this answer
        jobs = {job.job_id: job for job in session.poller.latest.jobs}  # as the queue last showed them
        notes = advice(verb, [advice_state(jobs[job_id]) for job_id in plan.job_ids if job_id in jobs])
        if not await confirm(app, title, plan.commands, notes, summary=job_summary(jobs, plan.job_ids)):
            return
    outcomes = await session.actions.execute(plan)
    notify_outcomes(app, session.cluster.name, plan, outcomes)


def array_tasks(jobs: Mapping[str, Job], array_id: str) -> list[Job]:
    """The tasks of array ``array_id`` still in the queue."""
    return [job for job in jobs.values() if job.array_job_id == array_id and job.state not in ENDED_STATES]


def job_summary(jobs: Mapping[str, Job], job_ids: tuple[str, ...]) -> list[str]:
    """One line per job as the queue last showed it: id, name, state (and why it waits)."""
    lines = []
    for job_id in job_ids:
        job = jobs.get(job_id)
        tasks = [] if job is not None else array_tasks(jobs, job_id)
        if tasks:  # an array row: the command names the array, and acts on all its tasks
            count = sum(task_span(t.array_task_id or "")[2] for t in tasks)
            lines.append(
                f"{job_id}  {short_name(tasks[0].name)}  the whole array: {plural(count, 'task')} in the queue"
            )
        elif job is None:
            lines.append(f"{job_id}  (not in the queue any more)")
        else:
            waits = f" ({job.stated_reason})" if job.state == "PENDING" and job.stated_reason else ""
            lines.append(f"{job_id}  {short_name(job.name)}  {job.state}{waits}")
    return lines


def short_name(name: str) -> str:
    """A job name on one line of at most NAME_CELLS cells, "…" where it was cut."""
    text = visible(name)
    return text if cell_len(text) <= NAME_CELLS else set_cell_size(text, NAME_CELLS - 1) + "…"


def notify_outcomes(app: App[object], cluster: str, plan: Plan, outcomes: list[Outcome]) -> None:
    failed = [(job_id, o) for job_id, o in zip(plan.job_ids, outcomes, strict=True) if not o.ok]
    done = len(outcomes) - len(failed)
    if done:
        ids = ", ".join(j for j, o in zip(plan.job_ids, outcomes, strict=True) if o.ok)
        app.notify(f"{plan.verb} on {cluster}: {ids}", title=f"{plan.verb}: done", markup=False)
    if failed:
        lines = visible("\n".join(f"{job_id}: {o.message}" for job_id, o in failed), newlines=True)
        app.notify(
            lines, title=f"{plan.verb} refused on {cluster}", severity="error", timeout=ERROR_TIMEOUT_S, markup=False
        )
    notify_warnings(app, audit_warnings(outcomes))


def notify_warnings(app: App[object], warnings: list[str]) -> None:
    """Local records that could not be written (audit, history): after the outcomes, never instead."""
    if warnings:
        app.notify(
            visible("\n".join(warnings), newlines=True),
            title="not recorded",
            severity="warning",
            timeout=ERROR_TIMEOUT_S,
            markup=False,
        )


async def when_connected(session: ClusterSession) -> str | None:
    """Wait (up to the connect timeout) until the session's link is up; the reason when it is not."""
    try:
        await session.link.wait_connected(session.cluster.ssh.connect_timeout_s)
    except LinkError as exc:
        return str(exc)
    return None
