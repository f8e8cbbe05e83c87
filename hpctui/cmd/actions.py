"""`hpctui cancel|requeue|hold|release|resubmit CLUSTER JOBID ...`: the job actions, headless.

The exact commands are printed first and run only after ``y`` on the terminal (or ``--yes``);
without a terminal and without ``--yes`` nothing runs (exit 2). Exit 1 when Slurm refused.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from hpctui.cmd.common import add_config_option, connected, unreachable
from hpctui.config.load import load_config
from hpctui.errors import UserError
from hpctui.visible import visible

if TYPE_CHECKING:
    from hpctui.config.model import Cluster
    from hpctui.services.actions import Outcome, Plan
    from hpctui.services.cluster import ClusterSession
    from hpctui.services.resubmit import ResubmitDraft

HELP = {
    "cancel": "cancel jobs, array tasks (123_4) or whole arrays (123)",
    "requeue": "put running jobs back in the queue",
    "hold": "keep pending jobs from starting",
    "release": "let held jobs start",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    for verb, text in HELP.items():
        parser = subparsers.add_parser(verb, help=text)
        _common(parser)
        parser.add_argument("job_ids", nargs="+", metavar="JOBID")
        parser.set_defaults(func=run_action, verb=verb)
    parser = subparsers.add_parser("resubmit", help="resubmit a job: plain, from a stage, or with edited resources")
    _common(parser)
    parser.add_argument("job_id", metavar="JOBID")
    parser.add_argument("--stage", type=int, metavar="N", help="start at stage N (the script's START_STAGE)")
    parser.add_argument("--time", metavar="TIME", help="new time limit, e.g. 90 or 1-12:00:00")
    parser.add_argument(
        "--mem", metavar="MEM", help="new memory, e.g. 16G (per CPU or per GPU for jobs that asked so, else per node)"
    )
    parser.add_argument("--partition", metavar="NAME", help="another partition")
    parser.add_argument(
        "--force", action="store_true", help="resubmit even when some of the job's requests could not be recovered"
    )
    parser.set_defaults(func=run_resubmit)


def _common(parser: argparse.ArgumentParser) -> None:
    add_config_option(parser)
    parser.add_argument("cluster", metavar="CLUSTER")
    parser.add_argument("--yes", "-y", action="store_true", help="do not ask before running")


def run_action(args: argparse.Namespace) -> int:
    from hpctui.services.actions import VERB_NOTES, audit_warnings, plan_action

    cluster = load_config(args.config).cluster(args.cluster)
    plan = plan_action(args.verb, args.job_ids)
    print(f"On {cluster.name}:")
    print("\n".join(f"  {command}" for command in plan.commands))
    if args.verb in VERB_NOTES:
        print(f"  ({VERB_NOTES[args.verb]})")
    confirm_or_refuse(args.yes, f"{args.verb} {len(plan.job_ids)} job(s)")
    outcomes = asyncio.run(_execute(cluster, plan))
    for job_id, outcome in zip(plan.job_ids, outcomes, strict=True):
        stream = sys.stdout if outcome.ok else sys.stderr
        print(visible(f"{job_id}: {'ok' if outcome.ok else 'REFUSED'}: {outcome.message}", newlines=True), file=stream)
    _warn(audit_warnings(outcomes))
    return 0 if all(o.ok for o in outcomes) else 1


def _warn(warnings: list[str]) -> None:
    """Local records that could not be written, after the outcomes (they never change the exit status)."""
    for warning in warnings:
        print(visible(f"warning: {warning}", newlines=True), file=sys.stderr)


async def _execute(cluster: Cluster, plan: Plan) -> list[Outcome]:
    async with connected([cluster]) as sessions:
        session = _live(sessions[cluster.name])
        return await session.actions.execute(plan)


def run_resubmit(args: argparse.Namespace) -> int:
    return asyncio.run(_resubmit(load_config(args.config).cluster(args.cluster), args))


async def _resubmit(cluster: Cluster, args: argparse.Namespace) -> int:
    from hpctui.services.resubmit import ResubmitChoice, Resubmitter

    choice = ResubmitChoice(stage=args.stage, time=args.time, mem=args.mem, partition=args.partition)
    async with connected([cluster]) as sessions:
        session = _live(sessions[cluster.name])
        resubmitter = Resubmitter(session.link, cluster, session.actions)
        draft = await resubmitter.prepare(args.job_id)
        commands = resubmitter.commands(draft, choice)
        print(visible(_describe(draft), newlines=True))
        print(f"On {cluster.name}:")
        print("\n".join(f"  {command}" for command in commands))
        if len(commands) > 1:
            print("  (the first command writes the script Slurm kept to that file)")
        _refuse_unrecovered(draft, args.force)
        await asyncio.to_thread(confirm_or_refuse, args.yes, f"resubmit job {draft.job_id}")
        submitted = await resubmitter.submit(draft, choice)
    if submitted.new_job_id is None:
        print(visible(f"REFUSED: {submitted.message}", newlines=True), file=sys.stderr)
    else:
        print(f"Submitted job {submitted.new_job_id} (resubmission of {draft.job_id})")
    _warn(submitted.warnings)
    return 0 if submitted.new_job_id is not None else 1


def _refuse_unrecovered(draft: ResubmitDraft, force: bool) -> None:
    if draft.unrecovered and not force:
        raise UserError(
            f"not resubmitting job {draft.job_id}: some of its requests could not be recovered (listed above); "
            "pass --force to resubmit anyway",
            exit_code=1,
        )


def _describe(draft: ResubmitDraft) -> str:
    lines = [f"Job {draft.job_id} ({draft.name}), last state {draft.last_state or 'unknown'}, in {draft.work_dir}"]
    lines += [f"  note: {note}" for note in draft.notes]
    lines += [f"  NOT RECOVERED: {item}" for item in draft.unrecovered]
    if draft.stages:
        values = " ".join(str(v) for v in draft.stages.values)
        lines.append(f"  stages: {values} (set with --stage; variable {draft.stages.variable})")
    if (resume := draft.resume_note()) is not None:
        lines.append(f"  {resume}")
    if draft.suggested.time:
        lines.append(f"  {draft.last_state}: consider --time {draft.suggested.time}")
    if draft.suggested.mem:
        lines.append(f"  {draft.last_state}: consider --mem {draft.suggested.mem}")
    lines.append(f"  lint: {len(draft.findings) or 'no'} finding(s)")
    lines += [f"    line {f.line}: {f.code} {f.message}" for f in draft.findings]
    return "\n".join(lines)


def _live(session: ClusterSession) -> ClusterSession:
    if (down := unreachable(session.link)) is not None:
        raise UserError(f"{session.name}: not connected ({session.link.status.state.value}: {down})", exit_code=1)
    return session


def confirm_or_refuse(yes: bool, what: str) -> None:
    """Return when the user agreed (or passed --yes); raise UserError otherwise."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise UserError(f"not asking without a terminal: pass --yes to {what}")
    try:
        answer = input("Run? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        raise UserError("nothing done", exit_code=1)
