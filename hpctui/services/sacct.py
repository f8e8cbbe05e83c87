"""One sacct round trip: the command, Slurm's refusal as SlurmError, the rows as records.
Shared by the post-mortem and by ``Endings``."""

from __future__ import annotations

from collections.abc import Iterable

from hpctui.services.actions import Runner
from hpctui.slurm.commands import sacct_command
from hpctui.slurm.errors import SlurmError, check_errors
from hpctui.slurm.models import AccountingRecord
from hpctui.slurm.parse import parse_sacct


async def sacct_records(link: Runner, cluster_name: str, user: str | None, warnings: list[str], *,
                        days: int = 7, job_ids: Iterable[str] | None = None) -> list[AccountingRecord]:  # fmt: skip
    """Accounting's records of the last ``days`` days, or of ``job_ids`` whatever their age;
    rows that cannot be read are described in ``warnings``. Raises SlurmError (Slurm's words)
    or LinkError."""
    result = await link.run(sacct_command(user, days=days, job_ids=job_ids))
    check_errors(result.stderr)
    if not result.ok:
        raise SlurmError(result.stderr.strip() or f"sacct exited with status {result.exit_status}")
    return parse_sacct(result.stdout, cluster_name, warnings)
