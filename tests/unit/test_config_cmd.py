"""`hpctui config check|path|example` and the config search order."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import hpctui.config
from hpctui.cli import main
from hpctui.config.load import ConfigError, config_search_paths, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.yaml"
CONFIG = "clusters:\n  - name: {name}\n    ssh: {{host: {name}.example}}\n"


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """No real user config can leak in: HOME and XDG point into tmp_path."""
    monkeypatch.delenv("HPCTUI_CONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


def _config(path: Path, name: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CONFIG.format(name=name))
    return path


def test_xdg_config_home_is_searched(tmp_path):
    _config(tmp_path / "xdg" / "hpctui" / "config.yaml", "fromxdg")
    assert load_config().clusters[0].name == "fromxdg"


def test_relative_xdg_falls_back_to_home_dot_config(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    _config(tmp_path / "home" / ".config" / "hpctui" / "config.yaml", "fromhome")
    assert load_config().clusters[0].name == "fromhome"


def test_env_var_comes_before_xdg(tmp_path, monkeypatch):
    _config(tmp_path / "xdg" / "hpctui" / "config.yaml", "fromxdg")
    monkeypatch.setenv("HPCTUI_CONFIG", str(_config(tmp_path / "env.yaml", "fromenv")))
    assert load_config().clusters[0].name == "fromenv"
    assert config_search_paths() == [tmp_path / "env.yaml", tmp_path / "xdg" / "hpctui" / "config.yaml"]


def test_explicit_path_comes_first_and_must_exist(tmp_path, monkeypatch):
    monkeypatch.setenv("HPCTUI_CONFIG", str(_config(tmp_path / "env.yaml", "fromenv")))
    assert load_config(_config(tmp_path / "mine.yaml", "mine")).clusters[0].name == "mine"
    with pytest.raises(
        ConfigError, match=r"missing\.yaml: config file not found; `hpctui init --output .*missing\.yaml` writes one"
    ):
        load_config(tmp_path / "missing.yaml")


def test_no_config_anywhere_names_the_searched_paths(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HPCTUI_CONFIG", str(tmp_path / "nowhere.yaml"))
    assert main(["config", "check"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert str(tmp_path / "nowhere.yaml") in err
    assert str(tmp_path / "xdg" / "hpctui" / "config.yaml") in err
    assert "run `hpctui init` to write one" in err and "`hpctui config example`" in err


@pytest.mark.parametrize("argv", [["config", "check", "--config", "{path}"], ["--config", "{path}", "config", "check"]])
def test_config_check_prints_each_cluster_block(capsys, argv):
    assert main([arg.format(path=EXAMPLE) for arg in argv]) == 0
    out = capsys.readouterr().out
    for name in ("lumi", "saga", "betzy"):
        assert f"# {name}: line " in out
    printed = yaml.safe_load(out)
    assert [c["name"] for c in printed["clusters"]] == ["lumi", "saga", "betzy"]
    inherited = {"queue_s": 15.0, "gpus_s": 60.0, "idle_queue_s": 60.0, "idle_gpus_s": 120.0, "idle_after_s": 300.0}
    assert printed["clusters"][1]["refresh"] == inherited
    assert printed["clusters"][0]["rules"]["required_env"] == {"PYTORCH_HIP_ALLOC_CONF": "expandable_segments:True"}
    assert out.rstrip().endswith("is valid (3 clusters)")


def test_config_path_marks_the_file_in_use(tmp_path, monkeypatch, capsys):
    env_path = tmp_path / "env.yaml"
    monkeypatch.setenv("HPCTUI_CONFIG", str(env_path))
    xdg_path = _config(tmp_path / "xdg" / "hpctui" / "config.yaml", "fromxdg")
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"  {env_path}  ($HPCTUI_CONFIG, missing)",
        f"* {xdg_path}  (XDG, exists)",
    ]


def test_config_path_with_explicit_config(tmp_path, capsys):
    explicit = tmp_path / "nope.yaml"
    assert main(["config", "path", "--config", str(explicit)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"* {explicit}  (--config, missing)"
    assert lines[1].startswith(f"  {tmp_path / 'xdg'}")


def test_example_ships_in_the_package_once(capsys):
    """`hpctui config example` prints the packaged file; the repo-root file is a link to it, not a copy."""
    packaged = Path(hpctui.config.__file__).parent / "example.yaml"
    assert EXAMPLE.is_symlink() and EXAMPLE.resolve() == packaged.resolve()
    assert main(["config", "example"]) == 0
    assert capsys.readouterr().out == packaged.read_text()
    assert load_config(packaged).clusters
