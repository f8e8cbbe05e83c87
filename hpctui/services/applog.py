"""hpctui's own log file: what went wrong inside the app, for the user and for bug reports.

``$XDG_STATE_HOME/hpctui/hpctui.log``, rotated at 1 MiB with three old files kept. The UI writes
every failed background task there with its traceback and shows the user one line; nothing of it
goes to the terminal, which belongs to the UI.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from hpctui.services.audit import state_dir

MAX_BYTES = 1 << 20
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_path() -> Path:
    return state_dir() / "hpctui.log"


def start_file_log(path: Path | None = None, level: int = logging.INFO) -> Path | None:
    """Send the ``hpctui`` loggers to the rotated log file; the path, or None when it cannot be
    written (a read-only HOME must not keep the app from starting)."""
    path = path or log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    logger = logging.getLogger("hpctui")
    for old in [h for h in logger.handlers if isinstance(h, logging.handlers.RotatingFileHandler)]:
        logger.removeHandler(old)
        old.close()
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return path
