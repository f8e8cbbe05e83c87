"""Classify error lines of a job's log and attach a one-line hint from hard-won field experience.

Rules are tried in order, specific before generic; a rule without a hint still marks the line as
an error for highlighting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorHit:
    kind: str
    hint: str
    line: int  # absolute line number in the log
    text: str


# (kind, keywords, regex, hint): the regex is tried only when the lower-cased line contains one
# of the keywords (plain substring tests are far cheaper than case-insensitive regexes). Keywords
# are single words, so that a whole batch can be tested against its vocabulary at once.
RULES: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    (
        "hip_oom",
        ("memory",),
        r"HIP out of memory|hipErrorOutOfMemory",
        "HIP OOM: on MI250X set PYTORCH_HIP_ALLOC_CONF=expandable_segments:True (else OOM near 40 of 64 GB); "
        "combine bf16, gradient checkpointing and smaller inputs",
    ),
    (
        "cuda_oom",
        ("memory",),
        r"CUDA out of memory|OutOfMemoryError",
        "GPU OOM: smaller batch, bf16, gradient checkpointing; on ROCm set PYTORCH_HIP_ALLOC_CONF=expandable_segments:True",
    ),
    (
        "no_hip_gpus",
        ("gpus",),
        r"No HIP GPUs (?:are )?available",
        "No HIP GPUs: the container misses -B /opt/cray/libfabric in its binds",
    ),
    (
        "no_cuda",
        ("nvidia", "cuda"),
        r"Found no NVIDIA driver|CUDA driver version is insufficient|libcudart\S* cannot open|torch\.cuda\.is_available\(\) is False",
        "No usable CUDA: module-provided PyTorch may hold only CUDA stubs; use pip-installed PyTorch in a venv",
    ),
    (
        "nccl",
        ("ccl",),
        r"\b[NR]CCL (?:error|WARN)|ncclSystemError|ncclInternalError|ProcessGroupNCCL|RCCL error",
        "Collective failure: a rank died or the network/plugin is missing (LUMI containers need -B /opt/cray/libfabric)",
    ),
    (
        "host_oom",
        ("oom", "memory", "killed"),
        r"oom[-_]kill|Out of memory: Killed process|(?-i:\bKilled\b)",
        "Killed by the host OOM killer: ask for more --mem or fewer data-loader workers",
    ),
    (
        "time_limit",
        ("limit",),
        r"DUE TO TIME LIMIT",
        "Time limit reached: raise --time or resume from outputs/latest.pt",
    ),
    (
        "wandb",
        ("wandb",),
        r"wandb: (?:ERROR|Network error)|wandb\.errors|Waiting for wandb",
        "WandB cannot reach the network from compute nodes (a job hung 30+ min): set WANDB_MODE=disabled",
    ),
    (
        "gradscaler_bf16",
        ("gradscaler",),
        r"GradScaler.*(?:bf16|bfloat16)|(?:bf16|bfloat16).*GradScaler",
        "GradScaler is for float16 only: with bfloat16 it skips most optimizer steps; drop it",
    ),
    (
        "nan",
        ("nan", "finite"),
        r"\b(?:loss|grad(?:ient)?s?)\b.*?(?:\bis\s+|[=:]\s*)(?:nan|inf)\b|NaN or Inf found|non-finite loss",
        "NaN/inf: lower the learning rate, check the inputs; with bf16 drop GradScaler",
    ),
    (
        "import",
        ("error",),
        r"ModuleNotFoundError|ImportError",
        "Missing module: if it exists locally, an rsync --exclude 'data' without a leading slash "
        "drops source dirs named data/ (use --exclude '/data')",
    ),
    (
        "traceback",
        ("traceback",),
        r"Traceback \(most recent call last\)",
        "Python exception: the cause is the last line of the traceback",
    ),
    ("segfault", ("segmentation", "dumped", "bus"), r"Segmentation fault|core dumped|Bus error", ""),
    (
        "error",
        ("error", "exception", "fatal"),
        r"(?-i:\b\w*(?:Error|Exception)\b|\bERROR\b|\bFATAL\b|\berror:)",
        "",
    ),
)

RULE_ORDER = {kind: index for index, (kind, *_) in enumerate(RULES)}  # lower = more specific
CompiledRule = tuple[str, tuple[str, ...], re.Pattern[str], str]
_RULES: tuple[CompiledRule, ...] = tuple(
    (kind, keywords, re.compile(regex, re.IGNORECASE), hint) for kind, keywords, regex, hint in RULES
)


def rules_present(vocabulary: str) -> tuple[CompiledRule, ...]:
    """The rules one of whose keywords occurs in ``vocabulary`` (a batch's lower-cased words)."""
    return tuple(rule for rule in _RULES if any(keyword in vocabulary for keyword in rule[1]))


def classify_line(line: str, number: int = 0, rules: tuple[CompiledRule, ...] = _RULES) -> ErrorHit | None:
    """The first of ``rules`` matching ``line``, or None for an ordinary line."""
    lowered = line.lower()
    for kind, keywords, regex, hint in rules:
        for keyword in keywords:
            if keyword in lowered:
                if regex.search(line):
                    return ErrorHit(kind, hint, number, line)
                break
    return None
