"""A job name holding a newline (``sbatch -J "$(printf 'new\\nline')"``), through the real
SSH path: accounting (the notices' confirmation, the post-mortem) and scontrol's details
read it whole, with its newline, instead of skipping it (a false "unknown to accounting")."""

from __future__ import annotations

import asyncio

import pytest
from test_actions_support import lab_jobs, lab_session

from hpctui.services.postmortem import PostMortem
from hpctui.slurm.commands import scontrol_job_command
from hpctui.slurm.parse import parse_scontrol_job

pytestmark = pytest.mark.lab

NAME = "new\nline"


async def test_a_failed_job_named_with_a_newline_is_in_accounting_and_its_details(lab, tmp_path):
    with lab_jobs(lab, "alpha") as jobs:
        failed = jobs.submit("-p", "cpu", "-J", NAME, "--wrap", "exit 3")
        async with lab_session(lab, "alpha", tmp_path / "audit.log") as session:
            ended = {}
            for _ in range(60):
                ended = await session.endings.lookup([failed])
                if failed in ended and ended[failed].state == "FAILED":
                    break
                await asyncio.sleep(1)
            details = parse_scontrol_job((await session.link.run(scontrol_job_command(failed))).stdout)
            postmortem = PostMortem(session.link, "alpha")
            rows = {row.job_id: row for row in await postmortem.fetch(job_ids=[failed])}
        assert failed in ended, "accounting never showed the job"
        assert (ended[failed].name, ended[failed].state, ended[failed].exit_code) == (NAME, "FAILED", "3:0")
        assert (details["JobName"], details["JobState"]) == (NAME, "FAILED")
        assert (rows[failed].record.name, rows[failed].record.state) == (NAME, "FAILED")
        assert postmortem.warnings == []
