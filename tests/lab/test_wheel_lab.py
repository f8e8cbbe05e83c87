"""The built wheel is the whole app: installed alone into a clean venv (what pipx does), its
`hpctui init` and `hpctui status` work against the lab from a fresh HOME.

The wheel is built the way pipx and pip build it (an isolated build from a copy of the source,
so no build/ or egg-info lands in the checkout). Its dependencies are not downloaded again: the
clean venv sees this venv's site-packages through a .pth file and the wheel goes in with
``--no-deps``. That keeps the test offline-safe and quick on a shared CI box; what a download
would add (that the wheel declares every distribution hpctui imports) is checked statically
below, from the wheel's own metadata.
"""

from __future__ import annotations

import ast
import email
import importlib.metadata
import os
import re
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "hpctui"


def _run(argv: list[str | Path], **kwargs) -> subprocess.CompletedProcess:
    answer = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=300, **kwargs)
    assert answer.returncode == 0, f"{argv}: {answer.stdout}{answer.stderr}"
    return answer


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copy(ROOT / "README.md", source)
    shutil.copytree(PACKAGE, source / "hpctui", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    built = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", built, source])
    (found,) = built.glob("hpctui-*.whl")
    return found


def _package_files() -> set[str]:
    return {
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def test_wheel_holds_every_file_of_the_package(wheel):
    """Themes, style sheets, the example config, py.typed: a file the package reads and the
    wheel lacks breaks only the installed app, never a checkout."""
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = _package_files() - names
    assert not missing
    assert {"hpctui/config/example.yaml", "hpctui/ui/tcss/hpctui.tcss", "hpctui/ui/tcss/hpctui-dark.toml"} <= names


def _imported_distributions() -> set[str]:
    """Distributions of the third-party modules hpctui imports (anywhere, TYPE_CHECKING too)."""
    modules: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    third_party = modules - set(sys.stdlib_module_names) - {"hpctui", "__future__"}
    owners = importlib.metadata.packages_distributions()
    return {_normal(owners[module][0]) for module in third_party}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_wheel_declares_every_distribution_it_imports(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        requires = email.message_from_bytes(archive.read(metadata)).get_all("Requires-Dist") or []
    declared = {_normal(re.split(r"[\s;<>=!~\[(]", line, maxsplit=1)[0]) for line in requires if "extra ==" not in line}
    assert _imported_distributions() <= declared


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A clean venv with only the wheel installed; the dependencies come from this venv."""
    target = tmp_path_factory.mktemp("venv") / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    (Path(purelib) / "dev_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet", wheel])
    return target


def test_installed_wheel_inits_and_shows_status_from_a_fresh_home(installed, lab, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8"}
    app = installed / "bin" / "hpctui"

    where = _run([installed / "bin" / "python", "-c", _WHERE], env=env, cwd=tmp_path).stdout.split()
    assert where[0].startswith(str(installed)), "hpctui came from outside the clean venv"
    assert where[1:] == ["hpctui-contrast,hpctui-dark,hpctui-light", "stylesheets-ok"]

    made = _run([app, "init", "--ssh-config", lab.ssh_config, "--hosts", "alpha,beta", "--yes"], env=env, cwd=tmp_path)
    written = home / ".config" / "hpctui" / "config.yaml"
    assert f"wrote {written}" in made.stdout and "is valid (2 clusters)" in made.stdout

    status = _run([app, "status"], env=env, cwd=tmp_path)
    assert "alpha: " in status.stdout and "beta: " in status.stdout
    assert "partition gpu: GPUs" in status.stdout and "partition accel: GPUs" in status.stdout

    example = _run([app, "config", "example"], env=env, cwd=tmp_path)
    assert example.stdout == (PACKAGE / "config" / "example.yaml").read_text()


# Where hpctui is imported from, its themes, and whether its style sheets exist.
_WHERE = """
import hpctui
from hpctui.ui import themes
print(hpctui.__file__)
print(",".join(sorted(themes.theme_names())))
print("stylesheets-ok" if all(p.is_file() for p in themes.stylesheets()) else "stylesheets-missing")
"""
