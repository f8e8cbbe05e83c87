"""SubmitLine and #SBATCH reading: sbatch's option table, quotes lost by accounting, facts that
tell the readings apart, and the one #SBATCH reader the linter shares."""

from __future__ import annotations

import pytest

from hpctui.slurm.directives import directive_words, read_directives
from hpctui.slurm.sbatch_options import read_words
from hpctui.slurm.submitline import Facts, parse_submit_line
from hpctui.toolkit.lint.shellsyntax import read_shell


def options(line: str, facts: Facts | None = None) -> tuple[dict[str, str | None], tuple[str, ...]]:
    parsed = parse_submit_line(line, facts or Facts())
    return {g.name: g.value for g in parsed.options}, parsed.operands


@pytest.mark.parametrize(
    ("line", "expected", "operands"),
    [
        ("sbatch --gpus-per-node 4 -B 2:8 -A proj_1 t.sh --lr 0.1",
         {"gpus-per-node": "4", "extra-node-info": "2:8", "account": "proj_1"}, ("t.sh", "--lr", "0.1")),
        ("sbatch -Hv --part=gpu -k --exclusive -pcpu x.sh", {"hold": None, "verbose": None, "partition": "cpu",
         "no-kill": None, "exclusive": None}, ("x.sh",)),
        ("sbatch --exclusive=user -t 10 --time=20 x.sh a", {"exclusive": "user", "time": "20"}, ("x.sh", "a")),
        ("sbatch --no-requeue --wrap sleep 100", {"no-requeue": None, "wrap": "sleep 100"}, ()),
        ("/usr/bin/sbatch -- -odd.sh", {}, ("-odd.sh",)),
        ("sbatch -J 'my run' t.sh 'a b'", {"job-name": "my run"}, ("t.sh", "a b")),  # quotes survived
    ],
)  # fmt: skip
def test_full_option_table(line: str, expected: dict[str, str | None], operands: tuple[str, ...]) -> None:
    assert options(line) == (expected, operands)


def test_lone_quotes_are_data_not_shell_quoting() -> None:
    assert options('sbatch --comment=it\'s -J "x" t.sh') == ({"comment": "it's", "job-name": '"x"'}, ("t.sh",))


def test_job_name_with_a_space_is_told_apart_by_the_known_name() -> None:
    line = "sbatch --job-name my run train.sh"
    assert options(line, Facts(job_name="my run")) == ({"job-name": "my run"}, ("train.sh",))
    ambiguous = parse_submit_line(line)
    assert ambiguous.operands == ("run", "train.sh")  # the literal reading, said to be a guess
    assert "can be read 2 ways" in (ambiguous.ambiguity() or "")


def test_output_with_spaces_and_export_values_with_spaces() -> None:
    assert options("sbatch -o logs/my run %j.out t.sh", Facts(job_name="t.sh")) == (
        {"output": "logs/my run %j.out"}, ("t.sh",),
    )  # fmt: skip
    line = "sbatch --export=ALL,MSG=hello world train.sh"
    assert options(line, Facts(job_name="train.sh")) == ({"export": "ALL,MSG=hello world"}, ("train.sh",))
    assert options(line, Facts(command="/home/u/train.sh")) == ({"export": "ALL,MSG=hello world"}, ("train.sh",))
    assert parse_submit_line(line, Facts(job_name="train.sh")).ambiguity() is None


def test_lab_line_resolved_by_name_and_command() -> None:
    line = "sbatch --parsable --export=FOO -J my run -o logs x/%j.out t.sh a b c"
    parsed = parse_submit_line(line, Facts("my run", "/home/hpcuser/h2t/t.sh a b c"))
    assert parsed.ambiguity() is None
    assert (parsed.get("job-name"), parsed.get("output"), parsed.operands) == (
        "my run",
        "logs x/%j.out",
        ("t.sh", "a", "b", "c"),
    )


def test_unreadable_line_is_said() -> None:
    assert "could not be read" in (parse_submit_line("sbatch --no-such-option x.sh").ambiguity() or "")


def test_directives_stop_at_the_first_command_for_both_readers() -> None:
    script = "#!/bin/bash\n#SBATCH -p gpu --time=10 # note\n\n  # comment\n#SBATCH -J 'a b'\nset -e\n#SBATCH --mem=1G\n"
    found = read_directives(script)
    assert found.first_command_line == 6
    assert [d.read for d in found.lines] == [True, True, False]
    assert {g.name: g.value for g in found.options().options} == {"partition": "gpu", "time": "10", "job-name": "a b"}
    assert found.get("mem") is None  # after the first command: sbatch never sees it
    linted = read_shell(script.split("\n"))
    assert [(d.line, d.read) for d in linted.directives] == [(d.line, d.read) for d in found.lines]
    assert linted.first_command_line == found.first_command_line


def test_directive_words_like_sbatch() -> None:
    assert directive_words(' --job-name="my run" -o a\\ b.out --comment=x#y') == [
        "--job-name=my run",
        "-o",
        "a b.out",
        "--comment=x",
    ]
    assert read_words(["-B", "2:8", "--gpus-per-node", "4", "t.sh"]).operands == ("t.sh",)
