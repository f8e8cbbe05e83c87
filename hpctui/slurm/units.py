"""Sizes written the way Slurm writes them."""

from __future__ import annotations


def slurm_size(value: int | None) -> str:
    """``1.5G``, ``312M``, ``812K``: binary units with Slurm's one-letter suffixes (as in
    sacct's MaxRSS); "" for no value. For IEC ``1.5 GiB`` see ``toolkit.transfer.iec_bytes``."""
    if value is None:
        return ""
    size = float(value)
    for unit in ("B", "K", "M", "G"):
        if size < 1024:
            return f"{size:.0f}{unit}" if unit == "B" or size >= 100 else f"{size:.1f}{unit}"
        size /= 1024
    return f"{size:.1f}T"
