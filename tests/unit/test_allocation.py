"""Allocation left (pure and with a fake link): sreport and sacctmgr output captured in the lab,
the burn rate, how long the rest lasts, the config, and the hourly cache."""

from __future__ import annotations

import shlex
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from hpctui.config.model import Allocation, Cluster, SshTarget
from hpctui.services.allocation import AllocationWatch, period_of
from hpctui.slurm.allocation import (
    AllocationReport,
    Period,
    Usage,
    allocation_command,
    allocation_report,
    parse_sreport,
)
from hpctui.slurm.errors import SlurmError
from hpctui.slurm.inventory import cluster_name_command, parse_cluster_name
from hpctui.slurm.parse import split_poll
from hpctui.ssh.types import LinkError, Result

FIXTURES = Path(__file__).parents[1] / "fixtures" / "slurm"
YEAR = Period(date(2026, 1, 1), date(2027, 1, 1), date(2026, 11, 30))


def sections(name: str):
    return split_poll((FIXTURES / name).read_text())


def test_the_grant_from_sacctmgr_even_before_any_rollup():
    report = allocation_report("alpha", sections("allocation.txt"), "hpcuser", YEAR, None)
    assert (report.account, report.granted_from) == ("lab", "sacctmgr")
    assert report.granted == Usage(100_000.0, 10_000.0) and report.used == Usage()
    assert report.summary() == (
        "lab: 0.0 of 100,000 core-h (0%) · 0.0 of 10,000 GPU-h (0%) · sreport lags up to 1 h"
        " (slurmdbd's hourly rollup) (the period ends in 32 days)"
    )
    ungranted = replace(report, granted=None, granted_from="")
    assert ungranted.summary().endswith(
        "rollup) (the period ends in 32 days); no grant known (allocation.core_hours sets one)"
    )


def test_used_hours_from_sreport_minutes_and_the_configured_grant():
    report = allocation_report("alpha", sections("allocation_used.txt"), "hpcuser", YEAR, Usage(10.0, 0.0))
    assert report.used == Usage(25 / 60, 1 / 60) and report.mine == Usage(25 / 60, 1 / 60)
    assert report.granted_from == "config" and report.recent_days == 14
    assert report.burn.core_hours == pytest.approx(25 / 60 / 14)
    assert report.lasts_days() == pytest.approx((10 - 25 / 60) / (25 / 60 / 14))


def test_lasts_is_the_first_resource_to_run_out():
    report = AllocationReport("a", "p", date(2026, 1, 1), date(2026, 12, 31), date(2026, 12, 1),
                              used=Usage(900, 50), mine=Usage(), recent=Usage(140, 140), recent_days=14,
                              granted=Usage(1000, 100), granted_from="config")  # fmt: skip
    assert report.lasts_days() == 5  # GPUs: 50 left at 10 a day; cores would last 10 days
    assert "at this rate it lasts 5 days (the period ends in 30 days)" in report.summary()


def test_sreport_rows_and_a_bad_row():
    rows = parse_sreport("alpha|lab||cpu|120\nalpha|lab|me|cpu|60\nalpha|lab|you|cpu|60\n", "me")
    assert (rows.account, rows.cluster, rows.total, rows.mine) == ("lab", "alpha", Usage(2.0, 0.0), Usage(1.0, 0.0))
    with pytest.raises(SlurmError):
        allocation_report("a", split_poll("\x1eout cluster\n\x1eerr cluster 0\n\n\x1eout period\n"
                                          "\x1eerr period 1\nsreport: error: Problem talking to the database\n"
                                          "\x1eout recent\n\x1eerr recent 0\n\n"), None, YEAR, None)  # fmt: skip


def test_the_cluster_is_asked_as_onboarding_asks_it_and_a_failed_answer_is_no_error_here():
    command = allocation_command("lab", None, date(2026, 1, 1), datetime(2026, 2, 1))
    assert cluster_name_command() in shlex.split(command)[-1]
    failed = "slurm_load_ctl_conf error: Unable to contact slurm controller (connect failure)\n"
    found = sections("allocation.txt")
    found["cluster"] = replace(found["cluster"], stdout=failed)
    report = allocation_report("alpha", found, "hpcuser", YEAR, None)
    assert (report.granted, report.granted_from) == (None, "")  # whose grant is ours: unknown
    with pytest.raises(SlurmError):
        parse_cluster_name(failed)  # onboarding says why


def test_the_command_quotes_the_account_and_fills_a_template():
    command = allocation_command("proj_1", None, date(2026, 1, 1), datetime(2026, 11, 30, 3, 20))
    script = shlex.split(command)[-1]
    assert script.count('accounts="$acct"') == 2 and "acct=proj_1" in script
    assert "start=2026-01-01T00:00:00 end=2026-11-30T03:20:00" in script
    assert "start=2026-11-16T03:20:00" in script  # the recent 14 days
    custom = allocation_command(
        None, "u", date(2026, 1, 1), datetime(2026, 2, 1), "mytool --acct {account} --from {start}"
    )
    assert 'mytool --acct "$acct" --from 2026-01-01T00:00:00' in shlex.split(custom)[-1]
    with pytest.raises(Exception, match="not an account name"):
        allocation_command("x;rm", None, date(2026, 1, 1), datetime(2026, 2, 1))


def cluster(**allocation) -> Cluster:
    return Cluster("alpha", SshTarget(alias="alpha"), allocation=Allocation(**allocation))


def test_the_period_defaults_to_the_calendar_year():
    assert period_of(cluster(), date(2026, 11, 30)) == YEAR
    assert period_of(cluster(start="2026-04-01", end="2026-09-30"), date(2026, 5, 1)).end == date(2026, 9, 30)


class Answers:
    def __init__(self, text: str) -> None:
        self.text, self.calls, self.fail = text, 0, None

    async def run(self, command: str, *, timeout=None, input=None) -> Result:
        self.calls += 1
        if self.fail is not None:
            raise self.fail
        return Result(command, 0, self.text, "")


async def test_asked_at_most_hourly_and_a_dropped_link_is_asked_again():
    link = Answers((FIXTURES / "allocation.txt").read_text())
    now = [0.0]
    watch = AllocationWatch(link, cluster(), clock=lambda: now[0], now=lambda: datetime(2026, 11, 30, 3, 20))
    first = await watch.get()
    now[0] = 3599
    assert await watch.get() is first and link.calls == 1
    now[0] = 3600
    link.fail = LinkError("alpha: connection lost")
    with pytest.raises(LinkError):
        await watch.get()
    link.fail = None
    await watch.get()
    assert link.calls == 3


async def test_a_slurm_refusal_is_kept_for_the_hour():
    link = Answers("\x1eout period\n\x1eerr period 1\nsreport: error: Problem talking to the database\n")
    now = [0.0]
    watch = AllocationWatch(link, cluster(), clock=lambda: now[0])
    for _ in range(2):
        with pytest.raises(SlurmError):
            await watch.get()
    assert link.calls == 1


def test_the_config_reads_and_checks_the_allocation(tmp_path):
    from hpctui.config.load import load_config
    from hpctui.errors import UserError

    base = "clusters:\n  - name: a\n    ssh: {alias: a}\n    allocation: "
    path = tmp_path / "c.yaml"
    path.write_text(base + "{account: proj, start: 2026-04-01, core_hours: 5000, command: 'x {account}'}\n")
    allocation = load_config(path).clusters[0].allocation
    assert (allocation.account, allocation.start, allocation.core_hours, allocation.parser) == (
        "proj",
        "2026-04-01",
        5000.0,
        "sreport",
    )
    for bad, words in (
        ("{start: 2026-13-01}", "YYYY-MM-DD"),
        ("{parser: cost}", "cost"),
        ("{command: 'x {user}'}", "only {account}"),
    ):
        path.write_text(base + bad + "\n")
        with pytest.raises(UserError, match=words):
            load_config(path)
