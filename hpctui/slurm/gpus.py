"""Memory per GPU of the GPU models sites name in their GRES types (``gpu:a100_80gb:4``).

Slurm says which GPU type a node has, never how much memory it has; ``hpctui init`` fills
``vram_gb`` from this table. A type name is split into words (``nvidia_a100-sxm4-80gb`` ->
nvidia, a100, sxm4, 80gb); a model matches one word or a few words run together
(``rtx_6000_ada``); a size written in the name (``80gb``, a MIG slice's ``3g.20gb``) wins over
the table. Models sold with several sizes (A100: 40 or 80 GB) get the smallest, marked unsure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# model -> the memory sizes it is sold with, in GB, smallest first. AMD's MI250X is two GCDs
# (two Slurm GPUs) of 64 GB each.
KNOWN_GPUS: dict[str, tuple[float, ...]] = {
    "a100": (40, 80), "h100": (80, 94), "h200": (141,), "gh200": (96, 144), "b200": (192,),
    "v100": (16, 32), "v100s": (32,), "p100": (12, 16), "a40": (48,), "a30": (24,), "a10": (24,),
    "l40s": (48,), "l40": (48,), "l4": (24,), "t4": (16,), "a6000": (48,), "rtxa6000": (48,),
    "rtx6000ada": (48,), "rtx6000": (24,), "rtx8000": (48,), "rtx2080ti": (11,), "rtx3090": (24,),
    "rtx4090": (24,), "titanrtx": (24,), "mi100": (32,), "mi210": (64,), "mi250": (64,),
    "mi250x": (64,), "mi300a": (128,), "mi300x": (192,),
}  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")
_SIZE = re.compile(r"(\d+)gb")
_MOST_WORDS = 3  # "rtx", "6000", "ada"


@dataclass(frozen=True)
class Vram:
    gb: float
    model: str  # the table's key, e.g. "a100"
    sure: bool  # False: the model comes in other sizes too (``sizes``) and the name does not say
    sizes: tuple[float, ...] = ()

    @property
    def amd(self) -> bool:
        """An AMD Instinct GPU: jobs use ROCm, not CUDA."""
        return self.model.startswith("mi")


def vram_of(gpu_type: str) -> Vram | None:
    """Memory per GPU of a GRES type name; None for a model not in ``KNOWN_GPUS``."""
    words = _WORD.findall(gpu_type.lower())
    model = _model(words)
    if model is None:
        return None
    sizes = KNOWN_GPUS[model]
    stated = [int(found.group(1)) for word in words if (found := _SIZE.fullmatch(word))]
    if stated:
        return Vram(float(stated[-1]), model, True, sizes)
    return Vram(float(sizes[0]), model, len(sizes) == 1, sizes)


def _model(words: list[str]) -> str | None:
    """The first model of the table named by one word or by a few words run together."""
    for start in range(len(words)):
        for end in range(min(len(words), start + _MOST_WORDS), start, -1):
            joined = "".join(words[start:end])
            if joined in KNOWN_GPUS:
                return joined
    return None
