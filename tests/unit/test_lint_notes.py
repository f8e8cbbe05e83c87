"""The field notes' own examples, linted (fixtures in tests/fixtures/lint/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpctui.config.load import load_config
from hpctui.toolkit.lint import LintContext, lint_paths, lint_text

FIXTURES = Path(__file__).parents[1] / "fixtures" / "lint"
EXAMPLE_CONFIG = Path(__file__).parents[2] / "config.example.yaml"
NOTES_RSYNC = (
    "rsync -avz --exclude '.git' --exclude '__pycache__' --exclude '/data' \\\n    ./ cluster:/path/to/project/\n"
)
HYGIENE = {"HPC001", "HPC002", "HPC102", "HPC104", "HPC106"}


def codes_of(name: str, ctx: LintContext | None = None) -> list[str]:
    return [f.code for f in lint_paths([FIXTURES / name], ctx or LintContext()).findings]


@pytest.fixture
def notes_project(tmp_path: Path) -> Path:
    """src/mypackage/data/ (Python source) next to a top-level data/, as in the notes."""
    (tmp_path / "src" / "mypackage" / "data").mkdir(parents=True)
    (tmp_path / "src" / "mypackage" / "data" / "loaders.py").write_text("")
    (tmp_path / "data" / "raw").mkdir(parents=True)
    return tmp_path


def test_notes_rsync_line_passes_on_a_tree_with_nested_data(notes_project: Path):
    assert (
        lint_text("#!/bin/bash\nset -euo pipefail\n" + NOTES_RSYNC, str(notes_project / "sync.sh"), tree=notes_project)
        == []
    )


@pytest.mark.parametrize(
    "exclude", ["--exclude 'data'", "--exclude=data", "--exclude data/", "-f '- data'", "--filter='exclude data'"]
)
def test_notes_rsync_line_without_the_slash_drops_the_nested_package(notes_project: Path, exclude: str):
    text = "#!/bin/bash\nset -euo pipefail\n" + NOTES_RSYNC.replace("--exclude '/data'", exclude)
    [finding] = lint_text(text, str(notes_project / "sync.sh"), tree=notes_project)
    assert (finding.code, finding.line) == ("HPC201", 3)
    assert finding.hint.startswith("anchor it to the top of the transfer: --exclude '/data")
    assert "src/mypackage/data/" in finding.message


def test_rsync_exclude_without_slash_but_no_nested_dir_is_a_warning(tmp_path: Path):
    (tmp_path / "data").mkdir()
    text = "#!/bin/bash\nset -euo pipefail\n" + NOTES_RSYNC.replace("'/data'", "'data'")
    [finding] = lint_text(text, str(tmp_path / "sync.sh"), tree=tmp_path)
    assert (finding.code, str(finding.severity)) == ("HPC202", "warning")
    assert "would also drop" in finding.message


def test_rsync_exclude_from_file(notes_project: Path):
    (notes_project / "excludes.txt").write_text("# junk\n.git\ndata\n")
    text = "#!/bin/bash\nset -euo pipefail\nrsync -a --exclude-from=excludes.txt ./ host:x/\n"
    [finding] = lint_text(text, str(notes_project / "sync.sh"), tree=notes_project)
    assert finding.code == "HPC201" and "(from excludes.txt line 3)" in finding.message


def test_rsync_in_a_makefile_with_variables(notes_project: Path):
    makefile = "EXCLUDES = --exclude .git --exclude data\nsync:\n\trsync -az $(EXCLUDES) ./ lumi:proj/\n"
    (notes_project / "Makefile").write_text(makefile)
    findings = lint_paths([notes_project / "Makefile"], LintContext()).findings
    assert [(f.code, f.line) for f in findings] == [("HPC201", 3)]


def test_rsync_pull_from_the_cluster_is_only_a_warning(notes_project: Path):
    text = "#!/bin/bash\nset -euo pipefail\nrsync -a --exclude data cluster:/path/ ./\n"
    assert [f.code for f in lint_text(text, str(notes_project / "pull.sh"), tree=notes_project)] == ["HPC202"]


def test_tree_option_points_at_another_tree(notes_project: Path, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    script = elsewhere / "sync.sh"
    script.write_text("#!/bin/bash\nset -euo pipefail\nrsync -a --exclude data ./ host:x/\n")
    assert [f.code for f in lint_paths([script], LintContext()).findings] == ["HPC202"]
    assert [f.code for f in lint_paths([script], LintContext(tree=notes_project)).findings] == ["HPC201"]


def test_best_practice_block_passes_the_hygiene_rules():
    found = set(codes_of("notes_best_practice_block.sbatch"))
    assert found.isdisjoint(HYGIENE)
    # As printed, `set -euo pipefail` comes first and sbatch ignores the #SBATCH lines below it;
    # the mkdir -p and resume logic the notes ask for come from the following paragraphs.
    assert found == {"HPC101", "HPC103", "HPC105"}


def test_notes_job_template_passes_everything():
    assert codes_of("notes_job_template.sbatch") == []


@pytest.mark.parametrize("name", ["notes_stage_skipping.sbatch", "notes_stage_submit.sh", "notes_rsync.sh"])
def test_stage_skipping_and_sync_examples_pass(name):
    assert codes_of(name) == []


@pytest.mark.parametrize(("name", "cluster"), [("lumi_train.sbatch", "lumi"), ("betzy_tiles.sbatch", "betzy")])
def test_realistic_jobs_pass_their_cluster(name, cluster):
    rules = load_config(EXAMPLE_CONFIG).cluster(cluster).rules
    assert codes_of(name, LintContext(rules, cluster)) == []


def test_lumi_job_breaks_in_the_ways_the_notes_describe():
    text = (FIXTURES / "lumi_train.sbatch").read_text()
    text = text.replace("-B /opt/cray/libfabric,/scratch ", "").replace(
        "export PYTORCH_HIP_ALLOC_CONF=expandable_segments:True\n", ""
    )
    text = text.replace("export WANDB_MODE=disabled\n", "export WANDB_PROJECT=unet\n")
    rules = load_config(EXAMPLE_CONFIG).cluster("lumi").rules
    assert sorted(f.code for f in lint_text(text, "lumi_train.sbatch", rules, cluster="lumi")) == [
        "HPC303",
        "HPC304",
        "HPC306",
    ]
