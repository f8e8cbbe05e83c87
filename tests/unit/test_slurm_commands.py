"""Command builders: run by a real local ``sh`` against stand-in Slurm programs that record
their arguments, so quoting is checked by a shell, not by reading strings."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest
from squeue_rows import squeue_row

from hpctui.errors import UserError
from hpctui.slurm import commands
from hpctui.slurm.errors import SlurmError, check_section
from hpctui.slurm.formats import SACCT_FIELDS, SINFO_FIELDS, SQUEUE_FIELDS, SQUEUE_OWN_FIELDS, SQUEUE_SHARED_FIELDS
from hpctui.slurm.parse import parse_sinfo, parse_squeue, split_poll

US = "\x1f"
NASTY = ["a b", "it's", 'say "hi"', "$(touch pwned)", "`touch pwned`", "x; touch pwned", "*", "~", "a\nb", "$HOME"]

# A stand-in for every Slurm client: prints its name and arguments NUL-separated, plus the
# variables Slurm reads, so a test sees exactly what the real program would have received.
FAKE = """#!/bin/sh
printf '%s\\0' "$(basename "$0")" "$@" > "$FAKE_LOG"
printf 'env\\0SQUEUE_FORMAT=%s\\0SLURM_TIME_FORMAT=%s\\0SLURM_CLUSTERS=%s\\0PWD=%s\\0EXPORTED=%s\\0' \\
    "${SQUEUE_FORMAT-unset}" "${SLURM_TIME_FORMAT-unset}" "${SLURM_CLUSTERS-unset}" "$PWD" "${EXPORTED-unset}" \\
    >> "$FAKE_LOG"
eval "out=\\${FAKE_OUT_$(basename "$0")-\\$FAKE_OUT}"
[ -n "$out" ] && printf '%b' "$out"
[ -n "$FAKE_ERR" ] && printf '%b\\n' "$FAKE_ERR" >&2
exit "${FAKE_STATUS:-0}"
"""


@pytest.fixture
def shell(tmp_path: Path):
    """Run a built command in ``sh`` with fake Slurm programs; return (argv, env, result)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("squeue", "sinfo", "sacct", "scontrol", "scancel", "sbatch"):
        (bin_dir / name).write_text(FAKE)
        (bin_dir / name).chmod(0o755)
    log = tmp_path / "argv"

    def run(command: str, **env: str):
        environ = {
            "PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_LOG": str(log), "HOME": str(tmp_path),
            "SQUEUE_FORMAT": "%i", "SLURM_TIME_FORMAT": "relative", "SLURM_CLUSTERS": "other", **env,
        }  # fmt: skip
        result = subprocess.run(["sh", "-c", command], cwd=tmp_path, env=environ, capture_output=True, timeout=20)
        assert not (tmp_path / "pwned").exists(), "a shell metacharacter was executed"
        words = log.read_bytes().decode().split("\0")[:-1] if log.exists() else []
        split = words.index("env") if "env" in words else len(words)
        seen_env = dict(w.split("=", 1) for w in words[split + 1 :])
        return words[:split], seen_env, result

    return run


def test_squeue_command_arguments_and_clean_environment(shell):
    argv, env, _ = shell(commands.squeue_command(None))
    assert argv[0] == "squeue"
    assert {"--local", "--noheader", "--array", "--states=all", "--me"} <= set(argv)
    (fmt,) = [a.removeprefix("--Format=") for a in argv if a.startswith("--Format=")]
    shared, own = fmt.split("\x1d,")
    assert shared + "\x1d" == ",".join(name + ":" + US for name in SQUEUE_SHARED_FIELDS)[:-1] + "\x1d"
    assert own == ",".join(name + ":" + US for name in SQUEUE_OWN_FIELDS)
    assert SQUEUE_SHARED_FIELDS + SQUEUE_OWN_FIELDS == SQUEUE_FIELDS and "Name" == SQUEUE_FIELDS[-1]
    assert (env["SQUEUE_FORMAT"], env["SLURM_TIME_FORMAT"], env["SLURM_CLUSTERS"]) == ("unset", "standard", "unset")


@pytest.mark.parametrize("user", NASTY)
def test_squeue_user_is_one_argument(shell, user):
    argv, _, _ = shell(commands.squeue_command(user))
    assert f"--user={user}" in argv


def test_sinfo_command(shell):
    argv, _, _ = shell(commands.sinfo_command(["gpu", "cpu"]))
    assert argv[0] == "sinfo" and "--partition=gpu,cpu" in argv and "--Node" in argv
    assert any(a.startswith("--Format=") and a.count("\x1f") == len(SINFO_FIELDS) for a in argv)
    argv, _, _ = shell(commands.sinfo_command([]))
    assert not any(a.startswith("--partition") for a in argv)


@pytest.mark.parametrize("name", ["a b", "gpu,cpu", "", "$(x)", "gpu;ls"])
def test_sinfo_rejects_bad_partition_names(name):
    with pytest.raises(UserError, match="partition"):
        commands.sinfo_command([name])


def test_sacct_command_days_and_jobs(shell):
    argv, _, _ = shell(commands.sacct_command("some user", days=3))
    assert argv[:3] == ["sacct", "--parsable2", "--noheader"]
    assert {
        "--delimiter=\x1f",
        f"--format={','.join(SACCT_FIELDS)}",
        "--user=some user",
        "--starttime=now-3days",
    } <= set(argv)
    argv, _, _ = shell(commands.sacct_command(job_ids=["12", "13_4"]))
    assert "--jobs=12,13_4" in argv and not any(a.startswith(("--starttime", "--user")) for a in argv)


@pytest.mark.parametrize("days", [0, -1, 1.5, True, "7"])
def test_sacct_rejects_bad_days(days):
    with pytest.raises(UserError, match="days"):
        commands.sacct_command(days=days)


def test_scontrol_builders(shell):
    argv, _, _ = shell(commands.scontrol_job_command("12_3"))
    assert argv == ["scontrol", "--details", "show", "job", "12_3"]
    argv, _, _ = shell(commands.batch_script_command("12"))
    assert argv == ["scontrol", "write", "batch_script", "12", "-"]
    with pytest.raises(UserError):
        commands.scontrol_job_command("12_[1-3]")  # one job only


def test_action_builders(shell):
    argv, _, _ = shell(commands.cancel_command(["12", "13_[1-3,5%2]", "14_2"]))
    assert argv == ["scancel", "--verbose", "12", "13_[1-3,5%2]", "14_2"]
    for verb, build in (("requeue", commands.requeue_command), ("hold", commands.hold_command),
                        ("release", commands.release_command)):  # fmt: skip
        argv, _, _ = shell(build(["12", "13_4"]))
        assert argv == ["scontrol", verb, "12,13_4"]
    with pytest.raises(UserError, match="no job id"):
        commands.cancel_command([])


@pytest.mark.parametrize("value", NASTY)
def test_sbatch_options_exports_and_paths_are_single_words(shell, tmp_path, value):
    workdir = tmp_path / "work dir"
    workdir.mkdir(exist_ok=True)
    command = commands.sbatch_command(
        f"{value}.sh", workdir=str(workdir), export={"RUN_NAME": value},
        options={"job-name": value, "time": 5, "hold": True, "mem": None, "requeue": False},
    )  # fmt: skip
    argv, env, _ = shell(command)
    assert argv == ["sbatch", "--parsable", "--export=ALL", f"--job-name={value}", "--time=5", "--hold", f"{value}.sh"]
    assert env["PWD"] == str(workdir)


def test_sbatch_passes_exports_in_the_environment(shell):
    _, env, _ = shell(commands.sbatch_command("run.sh", export={"EXPORTED": "x,y=z 'q'"}))
    assert env["EXPORTED"] == "x,y=z 'q'"


def test_sbatch_script_starting_with_dash_is_not_an_option(shell):
    argv, _, _ = shell(commands.sbatch_command("-rf.sh", parsable=False))
    assert argv == ["sbatch", "./-rf.sh"]


@pytest.mark.parametrize(
    ("export", "options"), [({"BAD-NAME": "1"}, {}), ({"$(x)": "1"}, {}), ({}, {"Job Name": "x"}), ({}, {"-x": "1"})]
)
def test_sbatch_rejects_bad_names(export, options):
    with pytest.raises(UserError):
        commands.sbatch_command("run.sh", export=export, options=options)


def test_sbatch_needs_a_script():
    with pytest.raises(UserError):
        commands.sbatch_command("")


@pytest.mark.parametrize("good", ["1", "123", "123_4", "123_[1-5]", "123_[1,3,5-7]", "123_[1-9%2]", "5+1", " 12 "])
def test_validate_job_id_accepts(good):
    assert commands.validate_job_id(good) == good.strip()


@pytest.mark.parametrize(
    "bad",
    ["", "abc", "12;rm", "12 13", "-1", "12_", "12_[", "12_[a]", "12.batch", "$(x)", "1_2_3", "12_[1-]", "1" * 13],
)
def test_validate_job_id_rejects_naming_the_value(bad):
    with pytest.raises(UserError) as caught:
        commands.validate_job_id(bad)
    assert repr(bad) in str(caught.value)


def test_validate_job_id_rejects_non_strings():
    with pytest.raises(UserError):
        commands.validate_job_id(12)  # type: ignore[arg-type]


def test_single_job_id():
    assert commands.validate_job_id("12_4", single=True) == "12_4"
    with pytest.raises(UserError, match="single"):
        commands.validate_job_id("12_[4-5]", single=True)


SQUEUE_ROW = squeue_row(
    dict(zip(SQUEUE_FIELDS, ["u", "p", "RUNNING", "None", "2:00", "1", "1", "N/A", "gres:gpu:2", "N/A", "N/A", "*",
                             "cpu=1,gres/gpu=2", "7", "7", "7", "N/A", "a1", "1:00", "t", "t", "/o", "/e", "/w", "n"],
             strict=True))
).replace("\n", "\\n")  # fmt: skip
SINFO_ROW = "\x1f".join(["a1", "vm", "p", "mix", "gpu:x:8", "gpu:x:2(IDX:0-1)", "1/15/0/16", "8192"]) + "\x1f\\n"


def test_poll_command_round_trip_through_a_shell(shell):
    _, _, result = shell(
        commands.poll_command("u", ["p"], with_nodes=True), FAKE_OUT_squeue=SQUEUE_ROW, FAKE_OUT_sinfo=SINFO_ROW
    )
    sections = split_poll(result.stdout.decode())
    assert list(sections) == ["squeue", "sinfo"]
    assert parse_squeue(sections["squeue"].stdout)[0].gpus == 2
    assert parse_sinfo(sections["sinfo"].stdout)[0].gpus_used == 2


def test_poll_command_keeps_stderr_and_status_apart_from_rows(shell):
    error = "slurm_load_jobs error: Socket timed out on send/recv operation"
    _, _, result = shell(commands.poll_command(None), FAKE_OUT=SQUEUE_ROW, FAKE_ERR=error, FAKE_STATUS="1")
    sections = split_poll(result.stdout.decode())
    assert result.stderr == b""
    assert (sections["squeue"].status, sections["squeue"].stderr) == (1, error)
    assert len(parse_squeue(sections["squeue"].stdout)) == 1  # stderr did not land among the rows
    with pytest.raises(SlurmError, match="Socket timed out"):
        check_section(sections["squeue"])


def test_poll_command_without_nodes(shell):
    _, _, result = shell(commands.poll_command("u", with_nodes=False))
    assert list(split_poll(result.stdout.decode())) == ["squeue"]


def test_poll_command_works_from_a_csh_like_login_shell():
    # The whole poll is one `sh -c '...'` word: no redirection or $? is left to the login shell.
    words = shlex.split(commands.poll_command("u", ["p"]))
    assert words[:2] == ["sh", "-c"] and len(words) == 3


def test_env_prefix_unsets_every_format_variable():
    prefix = commands.env_prefix(commands.SQUEUE_ENV)
    for name in ("SQUEUE_FORMAT", "SQUEUE_FORMAT2", "SQUEUE_STATES", "SQUEUE_USERS", "SLURM_CLUSTERS"):
        assert f"-u {name} " in prefix
    assert prefix.endswith("SLURM_TIME_FORMAT=standard")
    assert "-u SACCT_FORMAT" in commands.sacct_command() and "-u SINFO_FORMAT" in commands.sinfo_command()


def test_without_env_prefix_leaves_the_command_itself():
    from hpctui.slurm.commands import cancel_command, hold_command, without_env_prefix

    assert without_env_prefix(cancel_command(["1001"])) == "scancel --verbose 1001"
    assert without_env_prefix(hold_command(["1001", "1002"])) == "scontrol hold 1001,1002"
    assert without_env_prefix("sbatch x.sh") == "sbatch x.sh"


@pytest.mark.parametrize("user", [*NASTY, None])
def test_user_word_is_the_user_or_the_login_user_as_one_word(user):
    printed = subprocess.run(
        ["sh", "-c", f"printf '%s\\0' {commands.user_word(user)}"], capture_output=True, check=True, timeout=20
    ).stdout.decode()
    login = subprocess.run(["id", "-un"], capture_output=True, check=True, text=True, timeout=20).stdout.strip()
    assert printed == f"{user if user is not None else login}\0"
