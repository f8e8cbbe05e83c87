"""``hpctui`` without a subcommand: the terminal UI.

Everything that can be wrong in the config or the arguments is raised as a one-line
UserError here, before the app takes over the terminal.
"""

from __future__ import annotations

import argparse
import dataclasses


def run(args: argparse.Namespace) -> int:
    from hpctui.config.load import load_config
    from hpctui.ui.themes import check_theme

    config = load_config(args.config)
    config = dataclasses.replace(config, theme=check_theme(args.theme or config.theme))

    from hpctui.services.cluster import Workspace
    from hpctui.ui.app import HpcApp
    from hpctui.ui.prompter import UiPrompter

    prompter = UiPrompter()
    app = HpcApp(config, Workspace(config, prompter))
    prompter.bind(app)
    app.run()
    return app.return_code or 0
