"""The kinds of files the linter reads (a module of its own: the registry and the document
both need them, and neither may need the other)."""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    SBATCH = "sbatch"  # a shell script with #SBATCH lines (or a .sbatch/.slurm file)
    SHELL = "shell"
    MAKEFILE = "makefile"
    PYTHON = "python"
    SSH_CONFIG = "ssh_config"


SHELL_LIKE = (Kind.SBATCH, Kind.SHELL, Kind.MAKEFILE)
SCRIPTS = (Kind.SBATCH, Kind.SHELL)
