"""The log files of a job the controller has forgotten, from accounting (see
``hpctui.slurm.logpaths``): what the post-mortem's ``l`` opens after MinJobAge."""

from __future__ import annotations

from dataclasses import dataclass

from hpctui.errors import UserError
from hpctui.services.actions import Runner
from hpctui.services.jobnode import host_for
from hpctui.services.resubmit import UNKNOWN_JOB, typed_candidates
from hpctui.slurm import accounting
from hpctui.slurm import script as scripts
from hpctui.slurm.directives import read_directives
from hpctui.slurm.errors import SlurmProblem
from hpctui.slurm.logpaths import LogRecord, default_output, expand_log_pattern, log_record_command, parse_log_record
from hpctui.slurm.submitline import Facts, SubmitLine, parse_submit_line
from hpctui.ssh.types import LinkError


@dataclass(frozen=True)
class AccountedLogs:
    record: LogRecord
    stdout: str
    stderr: str
    source: str  # where the paths come from, in plain words


def forgotten(error: Exception) -> bool:
    """Whether ``error`` is the controller saying it no longer knows the job."""
    return UNKNOWN_JOB in str(error)


async def log_record(link: Runner, job_id: str) -> LogRecord:
    """The job's accounting record. UserError when there is none or sacct cannot be asked."""
    try:
        result = await link.run(log_record_command(job_id))
        record = parse_log_record(result.stdout + result.stderr)
    except LinkError as exc:
        raise UserError(f"sacct: {exc}") from exc
    except SlurmProblem as exc:  # Slurm's words start with "sacct: error: ..."
        raise UserError(str(exc)) from exc
    if record is None and not result.ok:
        raise UserError(f"sacct: {result.stderr.strip() or f'exit status {result.exit_status}'}")
    if record is None:
        raise UserError(f"accounting has no record of job {job_id}")
    return record


async def logs_from_accounting(link: Runner, job_id: str) -> AccountedLogs:
    """The stdout and stderr paths of ``job_id`` rebuilt from accounting. Raises UserError."""
    record = await log_record(link, job_id)
    if not record.whole:
        raise UserError(f"accounting does not yet know where job {job_id} ran (no WorkDir): try again in a moment")
    typed = parse_submit_line(record.submit_line, Facts(record.name)) if record.submit_line.strip() else None
    output, error = (typed.get("output"), typed.get("error")) if typed is not None else (None, None)
    source = "the sbatch command line (SubmitLine)"
    if output is None or error is None:
        script, where = await _script(link, job_id, typed, record.work_dir)
        directives = read_directives(script) if script is not None else None
        source = source if output is not None else where
        output = output if output is not None else directives.get("output") if directives else None
        error = error if error is not None else directives.get("error") if directives else None
    output = output or default_output(record)
    host = await host_for(link, record.node, (output, error))
    stdout = expand_log_pattern(output, record, host)
    stderr = expand_log_pattern(error, record, host) if error else stdout
    return AccountedLogs(record, stdout, stderr, f"paths from accounting: {source}")


async def _script(link: Runner, job_id: str, typed: SubmitLine | None, work_dir: str) -> tuple[str | None, str]:
    """The job's script (the copy accounting kept, else the file as it is now) and what it is."""
    if typed is not None and typed.get("wrap") is not None:
        return None, "a --wrap job without --output: Slurm's default"
    try:
        stored = accounting.parse_stored_script((await link.run(accounting.stored_script_command(job_id))).stdout)
        if stored is not None:
            return stored, "the script accounting kept"
        candidates = typed_candidates(typed, work_dir) if typed is not None else []
        found = await link.run(scripts.script_probe_command(candidates)) if candidates else None
    except LinkError as exc:
        raise UserError(str(exc)) from exc
    probed = scripts.parse_script_probe(found.stdout, candidates) if found is not None else None
    if probed is not None:
        return probed[1], f"the #SBATCH lines of {probed[0]} as it is now"
    return None, "the script is gone, so Slurm's default is assumed"
