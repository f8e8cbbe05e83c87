"""Fuzzing: whatever text a parser gets, it returns or raises a SlurmProblem, nothing else.

Three sources of input per parser: arbitrary text, rows with the right number of fields but
arbitrary contents (to get past the row check), and real fixture rows with one field replaced.
And squeue's quick reading (at each newline) gives what its careful one does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from squeue_rows import squeue_row

from hpctui.slurm.errors import SlurmProblem, check_errors, check_section
from hpctui.slurm.filenames import expand_filename
from hpctui.slurm.formats import DELIMITER, GROUP_END, SACCT_FIELDS, SECTION_MARK, SINFO_FIELDS, SQUEUE_FIELDS
from hpctui.slurm.hostlist import expand_hostlist
from hpctui.slurm.parse import (
    parse_duration,
    parse_gres,
    parse_job_id,
    parse_job_state,
    parse_node_state,
    parse_req_mem,
    parse_sacct,
    parse_sbatch,
    parse_scontrol_job,
    parse_sinfo,
    parse_size,
    parse_squeue,
    parse_tres,
    reason_kind,
    request_gpus,
    split_poll,
    summarise_partitions,
)
from hpctui.slurm.parse.squeue import _jobs, squeue_records

FIXTURES = Path(__file__).parent.parent / "fixtures" / "slurm"
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text rich in the characters the formats care about.
SPECIAL = st.sampled_from(
    [
        "\x1f",
        "\x1e",
        "\x1d",
        "\n",
        ":",
        ",",
        "(",
        ")",
        "=",
        " ",
        "-",
        "%",
        "/",
        "*",
        ".",
        "²",
        "١",
        "\u2028",
        "\x85",
        "\r",
    ]
)
TEXT = st.lists(st.one_of(st.text(max_size=8), SPECIAL, st.sampled_from(["N/A", "(null)", "gpu", "err", "out"])),
                max_size=40).map("".join)  # fmt: skip
FIELD = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="\x1f\n"), max_size=12),
    st.sampled_from(["", "N/A", "(null)", "UNLIMITED", "1-02:03:04", "gpu:a:2(IDX:0-1)", "0/1/0/1", "12K", "7"]),
)


def rows_of(width: int, trailing: bool):
    row = st.lists(FIELD, min_size=width, max_size=width).map(
        lambda f: DELIMITER.join(f) + (DELIMITER if trailing else "")
    )
    return st.lists(row, min_size=1, max_size=4).map("\n".join)


def squeue_rows():
    """Rows of arbitrary fields shaped as our squeue prints them (two groups)."""
    row = st.lists(FIELD, min_size=len(SQUEUE_FIELDS), max_size=len(SQUEUE_FIELDS)).map(
        lambda f: squeue_row(dict(zip(SQUEUE_FIELDS, f, strict=True)))
    )
    return st.lists(row, min_size=1, max_size=4).map("".join)


def mutated(name: str, trailing: bool):
    """A real fixture row with one field replaced by arbitrary text."""
    lines = [line for line in (FIXTURES / name).read_text().split("\n") if line]

    def mutate(args: tuple[int, int, str]) -> str:
        line_index, field_index, value = args
        fields = lines[line_index % len(lines)].split(DELIMITER)
        fields[field_index % (len(fields) - trailing)] = value
        return DELIMITER.join(fields)

    return st.tuples(st.integers(0, 1000), st.integers(0, 100), FIELD).map(mutate)


def holds(parse, text: str) -> None:
    try:
        parse(text)
    except SlurmProblem:
        pass


def _squeue(text: str) -> None:
    parse_squeue(text)


def _sinfo(text: str) -> None:
    summarise_partitions(parse_sinfo(text))


def _poll(text: str) -> None:
    for section in split_poll(text).values():
        check_section(section)


@FUZZ
@given(st.one_of(TEXT, squeue_rows(), mutated("alpha_squeue.txt", True)))
def test_parse_squeue_fuzz(text):
    holds(_squeue, text)


@FUZZ
@given(st.one_of(TEXT, rows_of(len(SINFO_FIELDS), True), mutated("beta_sinfo.txt", True)))
def test_parse_sinfo_and_summary_fuzz(text):
    holds(_sinfo, text)


@FUZZ
@given(st.one_of(TEXT, rows_of(len(SACCT_FIELDS), False), mutated("sacct.txt", False)))
def test_parse_sacct_fuzz(text):
    holds(parse_sacct, text)


SCONTROL_LINES = (FIXTURES / "scontrol_job.txt").read_text().split("\n")


@FUZZ
@given(st.one_of(TEXT, st.lists(st.one_of(st.sampled_from(SCONTROL_LINES), TEXT), max_size=8).map("\n".join)))
def test_parse_scontrol_job_fuzz(text):
    holds(parse_scontrol_job, text)


POLL_PARTS = st.sampled_from([f"{SECTION_MARK}out squeue\n", f"{SECTION_MARK}err squeue 0\n", f"{SECTION_MARK}out sinfo\n",
                              f"{SECTION_MARK}err sinfo 1\n", "slurm_load_jobs error: x\n", "row\x1f\n"])  # fmt: skip


@FUZZ
@given(st.one_of(TEXT, st.lists(st.one_of(POLL_PARTS, TEXT), max_size=8).map("".join)))
def test_split_poll_fuzz(text):
    holds(_poll, text)


@FUZZ
@given(TEXT)
def test_small_parsers_fuzz(text):
    for parse in (parse_gres, parse_duration, parse_size, parse_sbatch, check_errors, parse_node_state, parse_job_id,
                  parse_job_state, parse_req_mem, parse_tres, reason_kind, request_gpus, expand_hostlist):  # fmt: skip
        holds(parse, text)


@FUZZ
@given(TEXT, st.one_of(st.none(), TEXT), st.one_of(st.none(), TEXT), TEXT)
def test_expand_filename_never_fails(pattern, array_job_id, task_id, name):
    assert isinstance(expand_filename(pattern, "12", array_job_id, task_id, name, "u", "n1"), str)


def _careful(text: str, warnings: list[str]) -> list:
    """The rows read only the careful way (``squeue_records``): what the quick reading must equal."""
    return list(_jobs(squeue_records(text, warnings), {}, "c", warnings).values())


# Job names made of what could fool a reading of rows: the delimiter, newlines, the group end,
# and whole rows after a newline (a name may hold one: someone else's job in the queue).
A_ROW = squeue_row(dict.fromkeys(SQUEUE_FIELDS, "1")).removesuffix(DELIMITER + "\n")
NAME = st.lists(st.sampled_from(["a", DELIMITER, "\n", GROUP_END, "\n" + A_ROW]), max_size=4).map("".join)


def _row(index: int, name: str) -> str:
    values = dict.fromkeys(SQUEUE_FIELDS, "1") | {"JobID": str(100 + index), "JobArrayID": str(100 + index)}
    return squeue_row(values | {"Name": name})


def _outcome(read: Callable[[list[str]], list]) -> tuple[object, list[str]]:
    """What ``read`` returns, or the kind of SlurmProblem it raises, and its warnings."""
    warnings: list[str] = []
    try:
        return read(warnings), warnings
    except SlurmProblem as exc:
        return type(exc), warnings


@FUZZ
@given(st.lists(NAME, max_size=3).map(lambda names: "".join(_row(i, n) for i, n in enumerate(names))))
def test_squeue_quick_reading_equals_the_careful_one(text):
    assert _outcome(lambda w: parse_squeue(text, "c", w)) == _outcome(lambda w: _careful(text, w))
