"""The house rules the build checks: colours only through theme variables, style sheets as
package data, every key binding with an id the keymap can name."""

from __future__ import annotations

import re
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "hpctui" / "ui"
COLOUR_NAMES = r"(?:red|green|yellow|blue|cyan|magenta|white|black|grey\d*|gray\d*)"
# A colour written into Python code: a Rich style string naming a colour, or a hex colour.
HARD_COLOUR = re.compile(
    rf"""["'](?:[^"'$]*\s)?(?:on\s+)?{COLOUR_NAMES}(?:\s[^"']*)?["']|["']#[0-9a-fA-F]{{3,6}}["']"""
)


def test_ui_code_names_no_colours_only_theme_variables() -> None:
    found = [
        f"{path.relative_to(UI)}:{number}: {line.strip()}"
        for path in UI.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if HARD_COLOUR.search(line)
    ]
    assert found == []


def test_the_style_sheets_and_themes_are_a_real_folder_of_the_package() -> None:
    folder = UI / "tcss"
    assert folder.is_dir() and not folder.is_symlink()
    assert {p.name for p in folder.iterdir()} >= {
        "hpctui.tcss",
        "hpctui-dark.toml",
        "hpctui-light.toml",
        "hpctui-contrast.toml",
    }


def ui_bindings() -> list[tuple[str, object]]:
    """(where, Binding) for every binding of every class in hpctui.ui."""
    import importlib
    import inspect
    import pkgutil

    from textual.binding import Binding

    import hpctui.ui

    found = []
    for module_info in pkgutil.walk_packages(hpctui.ui.__path__, "hpctui.ui."):
        module = importlib.import_module(module_info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__:
                for binding in cls.__dict__.get("BINDINGS", []):
                    if isinstance(binding, Binding):
                        found.append((f"{module.__name__}.{name}", binding))
    return found


def test_every_binding_has_an_id_of_the_registry_and_every_id_is_used() -> None:
    from hpctui.config.keymap import BINDING_IDS

    bindings = ui_bindings()
    assert len(bindings) > 50
    assert [f"{where}: {b.key}" for where, b in bindings if b.id not in BINDING_IDS] == []
    assert set(BINDING_IDS) - {b.id for _, b in bindings} == set()


def test_keymap_ids_are_checked_with_the_position_of_the_wrong_one() -> None:
    import pytest

    from hpctui.config.load import ConfigError, parse_config

    text = "keymap:\n  cancel: z\n  cancle: y\nclusters:\n  - {name: a, ssh: {alias: a}}\n"
    with pytest.raises(
        ConfigError, match=r"^cfg.yaml:3:3: keymap: unknown binding id 'cancle'; did you mean 'cancel'\?$"
    ):
        parse_config(text, "cfg.yaml")
    assert parse_config(text.replace("cancle", "hold"), "cfg.yaml").keymap == (("cancel", "z"), ("hold", "y"))


def test_no_module_imports_itself_through_others() -> None:
    import grimp

    graph = grimp.build_graph("hpctui")
    circles = {
        tuple(sorted((importer, imported)))
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
        if graph.chain_exists(importer=imported, imported=importer)
    }
    assert circles == set()
