"""Every lint rule on a failing and a passing example (the cases table covers every code)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hpctui.config.model import Rules
from hpctui.toolkit.lint import RULES, Severity, lint_text

SH = "#!/bin/bash\nset -euo pipefail\n"
JOB = "#!/bin/bash\n#SBATCH --time=01:00:00\n#SBATCH --output=logs/%x_%j.out\nset -euo pipefail\nmkdir -p logs\n"
LUMI_LIKE = Rules(
    container_binds=("/opt/cray/libfabric",),
    required_env=(("PYTORCH_HIP_ALLOC_CONF", "expandable_segments:True"),),
    outbound_network=False,
    lustre_paths=("/scratch",),
    rocm=True,
)
BETZY_LIKE = Rules(forbid_mem_partitions=("normal",), thread_cap=128, lustre_paths=("/cluster",))
SAGA_LIKE = Rules(module_pytorch_broken=True, require_module_purge=True)
OFFLINE = Rules(outbound_network=False)

# (code, path hint, failing text, passing text, cluster rules)
CASES = [
    ("HPC001", "run.sh", "#!/bin/bash\necho hi\n", SH + "echo hi\n", None),
    ("HPC002", "job.sbatch", JOB + "python -i train.py\n", JOB + "python train.py -i data.txt\n", None),
    (
        "HPC101",
        "job.sbatch",
        "#!/bin/bash\nset -euo pipefail\n#SBATCH --requeue\n",
        "#!/bin/bash\n#SBATCH --requeue\nset -euo pipefail\n",
        None,
    ),
    (
        "HPC102",
        "job.sbatch",
        "#!/bin/bash\n#SBATCH --output=train.log\n",
        "#!/bin/bash\n#SBATCH --output=logs/%x_%j.out\n",
        None,
    ),
    (
        "HPC103",
        "job.sbatch",
        "#!/bin/bash\n#SBATCH --output=logs/%x_%j.out\necho\n",
        "#!/bin/bash\n#SBATCH --output=logs/%x_%j.out\nmkdir -p logs\n",
        None,
    ),
    (
        "HPC104",
        "job.sbatch",
        "#!/bin/bash\n#SBATCH --time=2-00:00:00\n",
        "#!/bin/bash\n#SBATCH --time=2-00:00:00\n#SBATCH --requeue\n",
        None,
    ),
    (
        "HPC105",
        "job.sbatch",
        "#!/bin/bash\n#SBATCH --requeue\npython train.py\n",
        '#!/bin/bash\n#SBATCH --requeue\n[ -f out/latest.pt ] && ARG="--resume out/latest.pt"\npython train.py $ARG\n',
        None,
    ),
    (
        "HPC106",
        "submit.sh",
        SH + "sbatch --export=START_STAGE=2 train.sbatch\n",
        SH + "sbatch --export=ALL,START_STAGE=2 train.sbatch\n",
        None,
    ),
    (
        "HPC201",
        "sync.sh",
        SH + "rsync -av --exclude 'data' ./ host:proj/\n",
        SH + "rsync -av --exclude '/data' ./ host:proj/\n",
        None,
    ),
    (
        "HPC202",
        "sync.sh",
        SH + "rsync -av --exclude outputs ./ host:proj/\n",
        SH + "rsync -av --exclude /outputs ./ host:proj/\n",
        None,
    ),
    ("HPC301", "job.sbatch", JOB + "#SBATCH -p normal\n#SBATCH --mem=8G\n", JOB + "#SBATCH -p normal\n", BETZY_LIKE),
    (
        "HPC302",
        "prep.py",
        "import os\nworkers = os.cpu_count()\n",
        "import os\nworkers = min(os.cpu_count(), 128)\n",
        BETZY_LIKE,
    ),
    (
        "HPC303",
        "run.sh",
        SH + "singularity exec img.sif python3 x.py\n",
        SH + "singularity exec -B /opt/cray/libfabric img.sif python3 x.py\n",
        LUMI_LIKE,
    ),
    (
        "HPC304",
        "job.sbatch",
        JOB + "python3 train.py\n",
        JOB + "export PYTORCH_HIP_ALLOC_CONF=expandable_segments:True\npython3 train.py\n",
        LUMI_LIKE,
    ),
    (
        "HPC305",
        "run.sh",
        SH + "export HIP_VISIBLE_DEVICES=0\npython3 train.py\n",
        SH + "export HIP_VISIBLE_DEVICES=0\nexport PYTORCH_HIP_ALLOC_CONF=expandable_segments:True\npython3 train.py\n",
        None,
    ),
    (
        "HPC306",
        "run.sh",
        SH + "python3 train.py --wandb\n",
        SH + "export WANDB_MODE=disabled\npython3 train.py --wandb\n",
        OFFLINE,
    ),
    (
        "HPC307",
        "run.sh",
        SH + 'apptainer exec geo.sif python3 -c "import rasterio"\n',
        SH + "export APPTAINERENV_PROJ_DATA=/opt/conda/lib/python3.11/site-packages/rasterio/proj_data\n"
        'apptainer exec geo.sif python3 -c "import rasterio"\n',
        None,
    ),
    (
        "HPC308",
        "job.sbatch",
        JOB + "module purge\nmodule load PyTorch/2.1.2\n",
        JOB + "module purge\nmodule load Python/3.11.5\n",
        SAGA_LIKE,
    ),
    ("HPC309", "run.sh", SH + "module load GCC/12.3.0\n", SH + "module purge\nmodule load GCC/12.3.0\n", None),
    (
        "HPC401",
        "train.py",
        "import torch\nscaler = torch.amp.GradScaler()\nwith torch.autocast('cuda', dtype=torch.bfloat16):\n    pass\n",
        "import torch\nscaler = torch.amp.GradScaler()\nwith torch.autocast('cuda', dtype=torch.float16):\n    pass\n",
        None,
    ),
    (
        "HPC501",
        "tiles.sh",
        SH + "tippecanoe -o /cluster/work/roads.mbtiles roads.geojson\n",
        SH + "tippecanoe -o /dev/shm/roads.mbtiles roads.geojson\n",
        BETZY_LIKE,
    ),
    (
        "HPC502",
        "tiles.sh",
        SH + "tippecanoe -o roads.mbtiles roads.geojson\n",
        SH + "cd /dev/shm\ntippecanoe -o roads.mbtiles roads.geojson\n",
        None,
    ),
    (
        "HPC601",
        ".ssh/config",
        "Host lumi\n    ControlMaster auto\n    ControlPath {tmp}/missing/%r@%h-%p\n",
        "Host lumi\n    ControlMaster auto\n    ControlPath {tmp}/%r@%h-%p\n",
        None,
    ),
]


def codes(text: str, path: str, rules: Rules | None = None, tree: Path | None = None) -> list[str]:
    return [f.code for f in lint_text(text, path, rules, tree=tree)]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose package has a data/ subpackage, as in the field notes."""
    (tmp_path / "src" / "mypackage" / "data").mkdir(parents=True)
    (tmp_path / "src" / "mypackage" / "data" / "__init__.py").write_text("")
    (tmp_path / "data").mkdir()
    return tmp_path


def test_every_rule_has_a_case():
    assert sorted(RULES) == sorted(code for code, *_ in CASES)


@pytest.mark.parametrize(("code", "path", "bad", "good", "rules"), CASES, ids=[c[0] for c in CASES])
def test_rule_fails_and_passes(code, path, bad, good, rules, project):
    bad, good = bad.replace("{tmp}", str(project)), good.replace("{tmp}", str(project))
    assert code in codes(bad, str(project / path), rules, tree=project)
    assert code not in codes(good, str(project / path), rules, tree=project)


FACT_RULES = [
    case for case in CASES if RULES[case[0]].facts and case[4] is not None and case[0] not in ("HPC305", "HPC309")
]


@pytest.mark.parametrize(("code", "path", "bad", "good", "rules"), FACT_RULES, ids=[c[0] for c in FACT_RULES])
def test_rules_needing_cluster_facts_are_skipped_without_a_cluster(code, path, bad, good, rules):
    assert code not in codes(bad, path)


# --------------------------------------------------------------------------- shell hygiene


@pytest.mark.parametrize(
    "line",
    ["set -euo pipefail", "set -Eeuo pipefail", "set -e -u -o pipefail", "set -o errexit -o nounset -o pipefail"],
)
def test_strict_mode_spellings(line):
    assert "HPC001" not in codes(f"#!/bin/bash\n{line}\necho\n", "x.sh")


def test_strict_mode_names_what_is_missing():
    [finding] = [f for f in lint_text("#!/bin/bash\nset -e\necho\n", "x.sh") if f.code == "HPC001"]
    assert (finding.line, "missing -u, -o pipefail") == (2, finding.message.split("(")[1].rstrip(")"))


@pytest.mark.parametrize("command", [
    "python3 -u -i train.py", "python -ui train.py", "bash -i run.sh", "srun --pty bash", "srun -i python x.py",
    "docker run -it img cmd", "podman run --interactive img cmd", "apptainer shell img.sif", "srun apptainer exec img python -i",
])  # fmt: skip
def test_interactive_flags(command):
    assert "HPC002" in codes(JOB + command + "\n", "job.sbatch")


@pytest.mark.parametrize("command", [
    "grep -i loss logs/x.out", "srun -i none python x.py", "docker run --rm img cmd", "python3 -m pip install -i URL x",
    "python3 -c 'import sys' -i", "echo python -i", "srun --input=in.txt prog", "cat <<EOF\npython -i\nEOF",
])  # fmt: skip
def test_not_interactive(command):
    assert "HPC002" not in codes(JOB + command + "\n", "job.sbatch")


def test_interactive_is_fine_outside_batch_scripts():
    assert "HPC002" not in codes(SH + "docker run -it img bash\n", "dev.sh")


# --------------------------------------------------------------------------- sbatch directives


def test_directive_after_command_points_at_each_ignored_line():
    text = "#!/bin/bash\n#SBATCH --time=10\nmodule purge\n#SBATCH --requeue\n#SBATCH --mem=1G\n"
    assert [f.line for f in lint_text(text, "j.sbatch") if f.code == "HPC101"] == [4, 5]


@pytest.mark.parametrize(("output", "missing"), [
    ("logs/train.out", "no %x (job name), no %j (job id)"),
    ("%x_%j.out", "no log directory"),
    ("logs/%x.out", "no %j (job id)"),
])  # fmt: skip
def test_log_name_says_what_is_missing(output, missing):
    [finding] = [f for f in lint_text(f"#!/bin/bash\n#SBATCH -o {output}\n", "j.sbatch") if f.code == "HPC102"]
    assert finding.message.endswith(missing)


def test_missing_output_is_reported():
    assert "HPC102" in codes("#!/bin/bash\n#SBATCH --time=10\n", "j.sbatch")


def test_array_job_log_name_with_A_and_a_passes():
    assert "HPC102" not in codes("#!/bin/bash\n#SBATCH --output=logs/%x_%A_%a.out\n", "j.sbatch")


def test_log_dir_hint_says_to_create_it_before_sbatch():
    [finding] = [
        f for f in lint_text("#!/bin/bash\n#SBATCH --error=/work/me/logs/%x_%j.err\n", "j.sbatch") if f.code == "HPC103"
    ]
    assert "before sbatch" in finding.hint and "mkdir -p /work/me/logs" in finding.hint


@pytest.mark.parametrize(
    "mkdir", ["mkdir -p logs", "mkdir -p ./logs/", "mkdir -p logs/train", "mkdir --parents logs", 'mkdir -p "$LOG_DIR"']
)
def test_log_dir_created(mkdir):
    assert "HPC103" not in codes(f"#!/bin/bash\n#SBATCH --output=logs/%x_%j.out\n{mkdir}\n", "j.sbatch")


@pytest.mark.parametrize(
    ("time", "flagged"), [("4:00:00", False), ("240", False), ("4:00:01", True), ("1-0", True), ("UNLIMITED", True)]
)
def test_long_job_threshold(time, flagged):
    assert ("HPC104" in codes(f"#!/bin/bash\n#SBATCH --time={time}\n", "j.sbatch")) is flagged


def test_no_time_counts_as_long():
    assert {"HPC104", "HPC105"} <= set(codes("#!/bin/bash\n#SBATCH -p small\n", "j.sbatch"))


def test_no_requeue_is_a_deliberate_choice():
    assert "HPC104" not in codes("#!/bin/bash\n#SBATCH --time=3-0\n#SBATCH --no-requeue\n", "j.sbatch")


@pytest.mark.parametrize("export", ["--export=NONE", "--export=ALL", "--export=ALL,A=1,B=2"])
def test_export_forms_that_keep_or_deliberately_drop_the_environment(export):
    assert "HPC106" not in codes(f"#!/bin/bash\n#SBATCH {export}\n", "j.sbatch")


def test_export_without_all_in_a_directive_and_its_hint():
    [finding] = [f for f in lint_text("#!/bin/bash\n#SBATCH --export=A=1\n", "j.sbatch") if f.code == "HPC106"]
    assert finding.hint == "--export=ALL,A=1"


# --------------------------------------------------------------------------- cluster rules


@pytest.mark.parametrize("text", [
    SH + "sbatch -p normal --mem=4G job.sbatch\n",
    SH + "srun --partition=normal,preproc --mem-per-cpu=2G prog\n",
    JOB + "#SBATCH --partition=normal\nsrun --mem=4G prog\n",
])  # fmt: skip
def test_mem_on_forbidden_partition_forms(text):
    assert "HPC301" in codes(text, "x.sbatch" if "#SBATCH" in text else "x.sh", BETZY_LIKE)


def test_mem_on_allowed_partition():
    assert "HPC301" not in codes(SH + "sbatch -p accel --mem=4G job.sbatch\n", "x.sh", BETZY_LIKE)


@pytest.mark.parametrize(("text", "path", "flagged"), [
    (SH + "make -j$(nproc)\n", "x.sh", True),
    ("all:\n\tmake -j$$(nproc) -C sub\n", "Makefile", True),
    (SH + 'T=$(( $(nproc) > 128 ? 128 : $(nproc) ))\n', "x.sh", False),
    (SH + 'T="${SLURM_CPUS_PER_TASK:-$(nproc)}"\n', "x.sh", False),
    ("import multiprocessing as mp\npool = mp.Pool(mp.cpu_count())\n", "x.py", True),
    ("import os\nn = min(os.cpu_count(), 512)\n", "x.py", True),
    ("import os\nn = min(os.cpu_count(), int(os.environ['SLURM_CPUS_PER_TASK']))\n", "x.py", False),
])  # fmt: skip
def test_thread_caps(text, path, flagged):
    assert ("HPC302" in codes(text, path, BETZY_LIKE)) is flagged


@pytest.mark.parametrize("binds", [
    "-B /opt/cray", "--bind=/scratch,/opt/cray/libfabric:/opt/cray/libfabric:ro", "--bind /opt/cray/libfabric/",
    "--mount type=bind,source=/opt/cray/libfabric,destination=/opt/cray/libfabric", '-B "$BINDS"',
])  # fmt: skip
def test_container_binds_given(binds):
    assert "HPC303" not in codes(SH + f"apptainer exec {binds} img.sif python3 x.py\n", "x.sh", LUMI_LIKE)


def test_container_binds_from_the_environment():
    text = SH + "export SINGULARITY_BIND=/opt/cray/libfabric\nsingularity run img.sif\n"
    assert "HPC303" not in codes(text, "x.sh", LUMI_LIKE)


def test_required_env_with_another_value_names_both():
    text = JOB + "export PYTORCH_HIP_ALLOC_CONF=garbage_collection_threshold:0.8\npython3 train.py\n"
    [finding] = [f for f in lint_text(text, "j.sbatch", LUMI_LIKE) if f.code == "HPC304"]
    assert "garbage_collection_threshold:0.8" in finding.message and "expandable_segments:True" in finding.message


@pytest.mark.parametrize("setting", [
    "#SBATCH --export=ALL,PYTORCH_HIP_ALLOC_CONF=expandable_segments:True\n",
    "export PYTORCH_HIP_ALLOC_CONF=expandable_segments:True,garbage_collection_threshold:0.8\n",
    "export APPTAINERENV_PYTORCH_HIP_ALLOC_CONF=expandable_segments:True\n",
])  # fmt: skip
def test_required_env_forms(setting):
    text = "#!/bin/bash\n#SBATCH --time=10\n#SBATCH --output=logs/%x_%j.out\n" + (
        setting if setting.startswith("#") else ""
    )
    text += "set -euo pipefail\n" + ("" if setting.startswith("#") else setting) + "python3 train.py\n"
    assert "HPC304" not in codes(text, "j.sbatch", LUMI_LIKE)


def test_required_env_only_for_jobs_that_compute():
    assert "HPC304" not in codes(JOB + "tar xf data.tar\n", "j.sbatch", LUMI_LIKE)
    assert "HPC304" in codes(JOB + "#SBATCH --gpus-per-node=8\nsrun ./inner.sh\n", "j.sbatch", LUMI_LIKE)


def test_rocm_from_cluster_facts_and_left_to_required_env():
    assert "HPC305" in codes(SH + "python3 train.py\n", "x.sh", Rules(rocm=True))
    assert "HPC305" not in codes(SH + "python3 train.py\n", "x.sh", LUMI_LIKE)
    assert "HPC305" not in codes(SH + "python3 train.py\n", "x.sh")


@pytest.mark.parametrize(
    "setting", ["export WANDB_MODE=offline", "WANDB_MODE=disabled python3 x.py", "export WANDB_DISABLED=true"]
)
def test_wandb_disabled_forms(setting):
    assert "HPC306" not in codes(SH + setting + "\npython3 x.py --wandb\n", "x.sh", OFFLINE)


@pytest.mark.parametrize(("source", "flagged"), [
    ("import wandb\nwandb.init(project='x')\n", True),
    ("from wandb import init\n", True),
    ("import os\nos.environ['WANDB_MODE'] = 'disabled'\nimport wandb\n", False),
    ("import wandb\nwandb.init(project='x', mode=args.wandb_mode)\n", False),
    ("import wandb\nwith open('cfg.yaml', mode='r') as f:\n    pass\n", True),
    ("import torch\n", False),
])  # fmt: skip
def test_wandb_in_python(source, flagged):
    assert ("HPC306" in codes(source, "train.py", OFFLINE)) is flagged


def test_wandb_fine_with_network():
    assert "HPC306" not in codes("import wandb\n", "train.py", Rules())


def test_proj_data_needs_a_container_and_a_proj_user():
    assert "HPC307" not in codes(SH + 'python3 -c "import rasterio"\n', "x.sh")
    assert "HPC307" not in codes(SH + "apptainer exec img.sif python3 train.py\n", "x.sh")
    assert "HPC307" in codes(SH + "singularity exec gdal.sif gdalwarp -t_srs EPSG:3035 a.tif b.tif\n", "x.sh")


@pytest.mark.parametrize("load", ["ml PyTorch/2.1.2", "module load torchvision", "module add pytorch-rocm"])
def test_module_pytorch_forms(load):
    assert "HPC308" in codes(SH + f"module purge\n{load}\n", "x.sh", SAGA_LIKE)


def test_module_purge_severity_follows_the_cluster():
    text = SH + "module load GCC\n"
    [warning] = [f for f in lint_text(text, "x.sh") if f.code == "HPC309"]
    [error] = [f for f in lint_text(text, "x.sh", SAGA_LIKE) if f.code == "HPC309"]
    assert (warning.severity, error.severity) == (Severity.WARNING, Severity.ERROR)


@pytest.mark.parametrize("purge", ["module --force purge", "ml purge", "module reset"])
def test_module_purge_forms(purge):
    assert "HPC309" not in codes(SH + f"{purge}\nml GCC\n", "x.sh", SAGA_LIKE)


def test_module_purge_after_load_is_too_late():
    assert "HPC309" in codes(SH + "module load GCC\nmodule purge\n", "x.sh")


# --------------------------------------------------------------------------- python


@pytest.mark.parametrize("source", [
    "from torch.cuda.amp import GradScaler\nscaler = GradScaler(enabled=dtype == torch.float16)\ndtype = torch.bfloat16\n",
    "scaler = GradScaler() if args.dtype == 'fp16' else None\nDTYPES = {'bf16': torch.bfloat16}\n",
])  # fmt: skip
def test_gradscaler_chosen_per_dtype_passes(source):
    assert "HPC401" not in codes(source, "train.py")


def test_gradscaler_with_bf16_string():
    assert "HPC401" in codes("scaler = torch.cuda.amp.GradScaler()\nprecision = 'bf16'\n", "train.py")


def test_python_that_does_not_parse_is_skipped():
    assert codes("def broken(:\n  os.cpu_count()\n", "x.py", BETZY_LIKE) == []


# --------------------------------------------------------------------------- Lustre temp files


@pytest.mark.parametrize(("text", "path", "code"), [
    ("import sqlite3\ndb = sqlite3.connect('/cluster/work/x.db')\ndb.execute('PRAGMA journal_mode=WAL')\n", "x.py", "HPC501"),
    ("import sqlite3\ndb = sqlite3.connect('x.db')\ndb.execute('PRAGMA journal_mode = wal')\n", "x.py", "HPC502"),
    ("import subprocess\nsubprocess.run(['tippecanoe', '-o', '/cluster/x.mbtiles', 'in.json'])\n", "x.py", "HPC501"),
    (SH + "sqlite3 /cluster/x.db 'PRAGMA journal_mode=WAL;'\n", "x.sh", "HPC501"),
    ("tiles:\n\ttippecanoe --output=/cluster/x.mbtiles in.json\n", "Makefile", "HPC501"),
])  # fmt: skip
def test_temp_file_tools(text, path, code):
    assert code in codes(text, path, BETZY_LIKE)


def test_temp_file_tool_on_dev_shm_in_python():
    text = "import sqlite3\ndb = sqlite3.connect('/dev/shm/x.db')\ndb.execute('PRAGMA journal_mode=WAL')\n"
    assert {"HPC501", "HPC502"}.isdisjoint(codes(text, "x.py", BETZY_LIKE))
