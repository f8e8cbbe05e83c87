"""squeue rows as our squeue command prints them, built from field values (for tests)."""

from __future__ import annotations

from hpctui.slurm.formats import DELIMITER, GROUP_END, SQUEUE_OWN_FIELDS, SQUEUE_SHARED_FIELDS


def squeue_row(values: dict[str, str]) -> str:
    """One row from ``values`` keyed by ``SQUEUE_FIELDS`` names (every one of them)."""
    shared = DELIMITER.join(values[name] for name in SQUEUE_SHARED_FIELDS)
    own = DELIMITER.join(values[name] for name in SQUEUE_OWN_FIELDS)
    return f"{shared}{GROUP_END}{own}{DELIMITER}\n"
