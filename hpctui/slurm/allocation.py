"""Allocation left: the project's used vs granted core and GPU hours over its allocation period,
the burn rate and how long the rest lasts at that rate. Pure: the command builder and parsers.

One round trip (``sections_command``), at most hourly:
- ``period``: ``sreport -nP cluster AccountUtilizationByUser accounts=ACCOUNT start=... end=...
  -t minutes -T cpu,gres/gpu format=Cluster,Account,Login,TresName,Used`` (minutes, not hours:
  a young project's figures would round to 0); the row with no Login is the account's total,
  the user's own row their share. Configurable (``allocation.command``, a template with
  ``{account}``, ``{start}``, ``{end}``) as long as it prints those rows: parser id ``sreport``.
- ``recent``: the same over the last ``RECENT_DAYS`` days: the burn rate.
- ``granted``: ``sacctmgr show assoc`` of the account: its GrpTRESMins (``cpu=``, ``gres/gpu=``)
  on this cluster (``ClusterName`` of ``scontrol show config``: one slurmctld RPC an hour) when
  the site sets them; else the config's ``core_hours`` / ``gpu_hours``.
Site tools (LUMI ``lumi-allocations``, Sigma2 ``cost``) would be other parser ids; without real
sample output of them, only ``sreport`` exists.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hpctui.errors import UserError
from hpctui.slurm.commands import env_prefix, sections_command, user_word
from hpctui.slurm.errors import SlurmParseError, check_section
from hpctui.slurm.inventory import cluster_name_command, config_cluster_name
from hpctui.slurm.models import PollSection
from hpctui.slurm.parse.values import parse_tres

PARSERS = ("sreport",)
RECENT_DAYS = 14
ACCOUNT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
DEFAULT_USAGE = (
    "sreport -nP cluster AccountUtilizationByUser accounts={account} start={start} end={end}"
    " -t minutes -T cpu,gres/gpu format=Cluster,Account,Login,TresName,Used"
)
SREPORT_ENV = ("SREPORT_CLUSTER", "SREPORT_TRES", "SLURM_CLUSTERS")
# sreport reads slurmdbd's usage tables, which its rollup fills once an hour: a job of the last
# hour (or all of them, on a young project) counts for nothing yet.
ROLLUP_LAG = "sreport lags up to 1 h (slurmdbd's hourly rollup)"


@dataclass(frozen=True)
class Usage:
    core_hours: float = 0.0
    gpu_hours: float = 0.0


@dataclass(frozen=True)
class UsageRows:
    """What one sreport answer says: the account's total, the user's share, the cluster."""

    account: str | None
    cluster: str | None
    total: Usage
    mine: Usage


@dataclass(frozen=True)
class AllocationReport:
    cluster: str
    account: str | None
    start: date
    end: date
    today: date
    used: Usage
    mine: Usage
    recent: Usage  # over the last ``recent_days``
    recent_days: int
    granted: Usage | None  # None: neither sacctmgr nor the config says
    granted_from: str  # "sacctmgr", "config" or ""

    @property
    def burn(self) -> Usage:
        """Per day, over the recent days."""
        days = max(1, self.recent_days)
        return Usage(self.recent.core_hours / days, self.recent.gpu_hours / days)

    @property
    def days_left_in_period(self) -> int:
        return max(0, (self.end - self.today).days)

    def lasts_days(self) -> float | None:
        """Days until the first granted resource runs out at the recent burn rate (None: no
        grant, or nothing burnt lately)."""
        if self.granted is None:
            return None
        spans = []
        for granted, used, burn in (
            (self.granted.core_hours, self.used.core_hours, self.burn.core_hours),
            (self.granted.gpu_hours, self.used.gpu_hours, self.burn.gpu_hours),
        ):
            if granted and burn > 0:
                spans.append(max(0.0, granted - used) / burn)
        return min(spans) if spans else None

    def summary(self) -> str:
        """``lab: 1,234 of 100,000 core-h (1%) · 12 of 10,000 GPU-h (0%) · 45 core-h/day,
        2 GPU-h/day over 14 days: lasts 2,167 days (the period ends in 31)``."""
        granted = self.granted or Usage()
        parts = [f"{self.account or '?'}: {_of(self.used.core_hours, granted.core_hours, 'core-h')}"]
        if self.used.gpu_hours or granted.gpu_hours:
            parts.append(_of(self.used.gpu_hours, granted.gpu_hours, "GPU-h"))
        burn = self.burn
        rate = f"{burn.core_hours:,.1f} core-h/day" + (f", {burn.gpu_hours:,.1f} GPU-h/day" if burn.gpu_hours else "")
        lasts = self.lasts_days()
        ends = f"the period ends in {self.days_left_in_period} days"
        if lasts is not None:
            parts.append(f"{rate} over {self.recent_days} days: at this rate it lasts {lasts:,.0f} days ({ends})")
        elif self.used == Usage():
            unknown = "; no grant known (allocation.core_hours sets one)" if self.granted is None else ""
            parts.append(f"{ROLLUP_LAG} ({ends}){unknown}")
        elif self.granted is None:
            parts.append(
                f"{rate} over {self.recent_days} days; no grant known ({ends}; allocation.core_hours sets one)"
            )
        else:
            parts.append(f"nothing used in the last {self.recent_days} days ({ends})")
        return " · ".join(parts)


def _of(used: float, granted: float, unit: str) -> str:
    if not granted:
        return f"{used:,.1f} {unit} used"
    return f"{used:,.1f} of {granted:,.0f} {unit} ({used / granted:.0%})"


# ---- the command ---------------------------------------------------------------------------


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def allocation_command(
    account: str | None, user: str | None, start: date, now: datetime, template: str | None = None
) -> str:
    """Usage over the period and the recent days, and the account's grant, in one round trip.
    Without ``account``, the user's default account (sacctmgr) is used."""
    if account is not None and not ACCOUNT_NAME.fullmatch(account):
        raise UserError(f"not an account name: {account!r}")
    setup = (
        f"acct={shlex.quote(account)}"
        if account
        else f"acct=$({env_prefix()} sacctmgr -nP show user {user_word(user)} format=DefaultAccount)"
    )
    usage = template or DEFAULT_USAGE
    recent = max(datetime.combine(start, datetime.min.time()), now - timedelta(days=RECENT_DAYS))

    def query(since: datetime) -> str:
        filled = usage.format(account='"$acct"', start=_when(since), end=_when(now))
        return f"{env_prefix(SREPORT_ENV)} {filled}"

    granted = f'{env_prefix()} sacctmgr -nP show assoc where account="$acct" format=Cluster,Account,User,GrpTRESMins'
    steps = [
        ("cluster", cluster_name_command()),  # its ClusterName: whose grant is ours
        ("period", query(datetime.combine(start, datetime.min.time()))),
        ("recent", query(recent)),
        ("granted", granted),
    ]
    return sections_command(steps, setup=setup)


def check_template(template: str) -> str | None:
    """What is wrong with an ``allocation.command`` template (for the config), or None."""
    try:
        template.format(account="A", start="S", end="E")
    except (KeyError, IndexError, ValueError) as exc:
        return f"allocation command: only {{account}}, {{start}} and {{end}} may be filled in ({exc})"
    return None


# ---- the parsers ---------------------------------------------------------------------------


def parse_sreport(text: str, user: str | None) -> UsageRows:
    """Rows ``Cluster|Account|Login|TRES Name|Used`` (TRES minutes)."""
    account = cluster = None
    total: dict[str, float] = {}
    mine: dict[str, float] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) != 5 or not fields[4].isdigit():
            raise SlurmParseError(f"sreport: not a usage row: {line[:120]!r}")
        row_cluster, row_account, login, tres, minutes = fields
        cluster = cluster or row_cluster
        if not login:
            account = account or row_account
            total[tres] = total.get(tres, 0.0) + int(minutes) / 60
        elif user is None or login == user:
            mine[tres] = mine.get(tres, 0.0) + int(minutes) / 60
    return UsageRows(account, cluster, _usage(total), _usage(mine))


def _account_of(granted: str, cluster: str | None) -> str | None:
    """The account of sacctmgr's rows (when sreport has none yet: usage not rolled up)."""
    return next((f[1] for line in granted.splitlines() if len(f := line.split("|")) == 4 and f[0] == cluster), None)


def _usage(hours: dict[str, float]) -> Usage:
    return Usage(hours.get("cpu", 0.0), hours.get("gres/gpu", 0.0))


def parse_granted(text: str, account: str | None, cluster: str | None) -> Usage | None:
    """The account's GrpTRESMins on ``cluster`` (its row without a user), in hours."""
    for line in text.splitlines():
        fields = line.split("|")
        if len(fields) == 4 and fields[2] == "" and fields[1] == account and fields[0] == cluster and fields[3]:
            try:
                minutes = parse_tres(fields[3])
            except SlurmParseError:
                return None
            if "cpu" in minutes or "gres/gpu" in minutes:
                return Usage(minutes.get("cpu", 0) / 60, minutes.get("gres/gpu", 0) / 60)
    return None


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    today: date


def allocation_report(
    cluster: str, sections: dict[str, PollSection], user: str | None, period: Period, configured: Usage | None
) -> AllocationReport:
    """The report from the sections of ``allocation_command`` (SlurmError when sreport failed)."""
    for name in ("period", "recent"):
        if name not in sections:
            raise SlurmParseError(f"no {name} section in the allocation output (cut short?)")
        check_section(sections[name])
    used = parse_sreport(sections["period"].stdout, user)
    recent = parse_sreport(sections["recent"].stdout, user)
    slurm_cluster = config_cluster_name(sections["cluster"].stdout) if "cluster" in sections else used.cluster
    granted_text = sections["granted"].stdout if "granted" in sections else ""
    account = used.account or _account_of(granted_text, slurm_cluster)
    from_sacctmgr = parse_granted(granted_text, account, slurm_cluster)
    granted, source = (from_sacctmgr, "sacctmgr") if from_sacctmgr else (configured, "config" if configured else "")
    recent_days = min(RECENT_DAYS, max(1, (period.today - period.start).days))
    return AllocationReport(
        cluster, account, period.start, period.end, period.today, used.total, used.mine,
        recent.total, recent_days, granted, source,
    )  # fmt: skip
