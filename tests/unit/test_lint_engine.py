"""The lint engine: file kinds, noqa comments, walking, and the shell reader under the rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpctui.toolkit.lint import Kind, LintContext, lint_paths, lint_text
from hpctui.toolkit.lint.document import detect_kind
from hpctui.toolkit.lint.shellsyntax import read_makefile, read_shell

BARE = "#!/bin/bash\nmodule load GCC\n"  # HPC001 (line 2) and HPC309 (line 2)


@pytest.mark.parametrize(("path", "text", "kind"), [
    ("job.sbatch", "echo\n", Kind.SBATCH),
    ("train.sh", "#!/bin/bash\n#SBATCH -t 10\n", Kind.SBATCH),
    ("run", "#!/usr/bin/env bash\necho\n", Kind.SHELL),
    ("tool.sh", "echo\n", Kind.SHELL),
    ("Makefile", "all:\n", Kind.MAKEFILE),
    ("rules.mk", "", Kind.MAKEFILE),
    ("train.py", "", Kind.PYTHON),
    ("bin/tool", "#!/usr/bin/env python3\n", Kind.PYTHON),
    ("home/.ssh/config", "Host x\n", Kind.SSH_CONFIG),
    ("README.md", "#SBATCH in prose\n", None),
    ("notes.txt", "hello\n", None),
])  # fmt: skip
def test_detect_kind(path, text, kind):
    assert detect_kind(path, text) is kind


def test_unknown_text_is_read_as_shell_by_lint_text():
    assert "HPC001" in [f.code for f in lint_text("echo hi\n", "job 123 script")]


@pytest.mark.parametrize(("comment", "left"), [
    ("  # hpctui: noqa HPC309", {"HPC001"}),
    ("  # hpctui: noqa HPC001,HPC309", set()),
    ("  # hpctui: noqa HPC001 HPC309", set()),
    ("  # hpctui: noqa", set()),
    ("  # hpctui: noqa HPC999", {"HPC001", "HPC309"}),
])  # fmt: skip
def test_noqa_on_the_line(comment, left):
    text = BARE.replace("module load GCC", "module load GCC" + comment)
    assert {f.code for f in lint_text(text, "x.sh")} == left


def test_noqa_on_another_line_does_not_count():
    text = "#!/bin/bash\n# hpctui: noqa\nmodule load GCC\n"
    assert {f.code for f in lint_text(text, "x.sh")} == {"HPC001", "HPC309"}


def test_noqa_file_silences_a_code_everywhere():
    text = "#!/bin/bash\n# hpctui: noqa-file HPC001\nmodule load GCC\n"
    assert {f.code for f in lint_text(text, "x.sh")} == {"HPC309"}


def test_findings_carry_position_hint_and_severity():
    [finding] = [f for f in lint_text("#!/bin/bash\nset -euo pipefail\n  ml  GCC\n", "x.sh")]
    assert (finding.line, finding.col, finding.code, str(finding.severity)) == (3, 7, "HPC309", "warning")
    assert finding.hint == "`module purge` before the first `module load`"


def test_walk_skips_caches_and_venvs_and_unknown_files(tmp_path: Path):
    for rel in ("a.sh", ".git/hook.sh", "__pycache__/x.sh", ".venv/bin/activate.sh", "pkg/b.sh", "README.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("#!/bin/bash\necho\n" if rel.endswith(".sh") else "# Title\n#SBATCH --requeue\n")
    run = lint_paths([tmp_path], LintContext())
    assert (run.files, sorted(Path(f.path).relative_to(tmp_path).as_posix() for f in run.findings)) == (
        2,
        ["a.sh", "pkg/b.sh"],
    )
    assert run.skipped == []


def test_explicit_unknown_file_is_reported_as_skipped(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("hi\n")
    run = lint_paths([tmp_path / "notes.txt"], LintContext())
    assert (run.files, run.skipped) == (0, [tmp_path / "notes.txt"])


def test_binary_file_is_not_linted(tmp_path: Path):
    (tmp_path / "x.sh").write_bytes(b"#!/bin/bash\n\0\0\0")
    assert lint_paths([tmp_path / "x.sh"], LintContext()).skipped == [tmp_path / "x.sh"]


# --------------------------------------------------------------------------- the shell reader


def test_words_keep_positions_across_continuation_lines():
    script = read_shell(["rsync -av \\", "   --exclude 'data' ./ host:x  # comment"])
    [command] = script.commands
    assert [(w.text, w.line, w.col) for w in command.words] == [
        ("rsync", 1, 1), ("-av", 1, 7), ("--exclude", 2, 4), ("data", 2, 14), ("./", 2, 21), ("host:x", 2, 24),
    ]  # fmt: skip


def test_commands_split_at_operators_and_skip_keywords_assignments_redirections():
    script = read_shell(["if [ -f x ]; then FOO=1 python3 -i a.py 2>&1 >log; fi && srun --pty bash | tee o"])
    assert [[w.text for w in c.words] for c in script.commands] == [
        ["[", "-f", "x", "]"], ["python3", "-i", "a.py"], ["srun", "--pty", "bash"], ["tee", "o"],
    ]  # fmt: skip
    assert [w.text for w in script.commands[1].assignments] == ["FOO=1"]


def test_quotes_substitutions_and_multiline_strings_stay_in_one_word():
    script = read_shell(['X="$(nproc) cores" python3 -c "', "import os  # not a comment", '" --flag'])
    [command] = script.commands
    assert [w.text for w in command.assignments] == ["X=$(nproc) cores"]
    assert [w.text for w in command.words] == ["python3", "-c", "\nimport os  # not a comment\n", "--flag"]


def test_heredoc_bodies_are_text_not_commands():
    script = read_shell(["cat <<-EOF > x.py", "\tpython -i", "\tEOF", "echo done"])
    assert [[w.text for w in c.words] for c in script.commands] == [["cat"], ["echo", "done"]]
    assert script.heredocs[0].text == "\tpython -i"


def test_sbatch_directives_and_first_command():
    script = read_shell(
        ["#!/bin/bash", "#SBATCH -p normal --time=10  # note", "#SBATCHX no", "", "set -e", "#SBATCH --late"]
    )
    assert [[w.text for w in d.words] for d in script.directives] == [["-p", "normal", "--time=10"], ["--late"]]
    assert script.first_command_line == 5


def test_makefile_recipes_expand_variables_and_dollars():
    script = read_makefile([
        "EXCLUDES = --exclude data \\", "  --exclude .git", "RSYNC := rsync -a $(EXCLUDES)", "export WANDB_MODE = disabled",
        "sync:", "\t@$(RSYNC) ./ host:x", "\t-echo $$HOME",
    ])  # fmt: skip
    assert [[w.text for w in c.words] for c in script.commands] == [
        ["rsync", "-a", "--exclude", "data", "--exclude", ".git", "./", "host:x"], ["echo", "$HOME"],
    ]  # fmt: skip
    assert script.commands[0].words[0].line == 6
    assert script.make_env == (("WANDB_MODE", "disabled", 4),)


def test_strict_mode_set_in_a_sourced_lib_next_to_the_script(tmp_path: Path):
    (tmp_path / "lib.sh").write_text('set -euo pipefail\nlog() { echo "$@"; }\n')
    (tmp_path / "up").write_text('#!/usr/bin/env bash\nsource "$(dirname "${BASH_SOURCE[0]}")/lib.sh"\nlog hi\n')
    (tmp_path / "down").write_text("#!/usr/bin/env bash\nsource ./missing.sh\nlog hi\n")
    findings = lint_paths([tmp_path / "up", tmp_path / "down"], LintContext()).findings
    assert [(Path(f.path).name, f.code) for f in findings] == [("down", "HPC001")]
