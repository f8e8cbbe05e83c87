"""`hpctui transfer`, the pure part: endpoints, the remote commands, checksums, warnings.

The field notes' recipe, without a local copy:
``ssh A 'tar cf - -C /path data' | ssh B 'tar xf - -C /path'``, then a sha256 of every file
on both sides. Remote paths are relative to the login directory (as with scp); a leading
``~/`` means the same. Every remote command runs under ``sh -c`` with the paths as positional
parameters, so neither the login shell nor the file names can change what runs.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from hpctui.config.model import Cluster, Config
from hpctui.errors import UserError

CHECKPOINT_SUFFIXES = (".pt", ".pth", ".ckpt", ".safetensors")
CHECKPOINTS_LISTED = 20  # the source check names at most this many checkpoint files
FAILED = 3  # exit status of a check script that printed why


@dataclass(frozen=True)
class Endpoint:
    cluster: Cluster
    path: str  # as the user wrote it, "~/" removed

    @property
    def label(self) -> str:
        return f"{self.cluster.name}:{self.path}"


def parse_endpoint(text: str, config: Config) -> Endpoint:
    """``CLUSTER:PATH`` -> Endpoint; UserError for a missing colon, path or unknown cluster."""
    name, colon, path = text.partition(":")
    if not colon or not name or not path:
        raise UserError(f"{text!r}: expected CLUSTER:PATH, e.g. alpha:/scratch/me/data")
    if path == "~" or path.startswith("~/"):
        path = path[2:] or "."
    return Endpoint(config.cluster(name), path)


def split_source(path: str) -> tuple[str, str]:
    """``/a/b/data/`` -> (``/a/b``, ``data``): tar runs in the parent and packs the name."""
    pure = PurePosixPath(path)
    if pure.name in ("", ".", ".."):
        raise UserError(f"{path}: name the file or directory to copy (not / . or ..)")
    name = pure.name if not pure.name.startswith("-") else f"./{pure.name}"
    return str(pure.parent), name


def _script(script: str, *args: str) -> str:
    return f"sh -c {shlex.quote(script)} sh {' '.join(shlex.quote(a) for a in args)}"


def source_check_command(parent: str, name: str) -> str:
    """Prints the size in bytes, then the checkpoint files it holds (at most 20); or why not."""
    names = " -o ".join(f"-name {shlex.quote('*' + s)}" for s in CHECKPOINT_SUFFIXES)
    script = (
        f'cd -- "$1" 2>/dev/null && test -e "$2" || {{ echo "no such file or directory"; exit {FAILED}; }}; '
        f'test -r "$2" || {{ echo "permission denied"; exit {FAILED}; }}; '
        'du -sb -- "$2" | cut -f1; '
        f'find "$2" -type f \\( {names} \\) -print 2>/dev/null | head -n {CHECKPOINTS_LISTED}'
    )
    return _script(script, parent, name)


def destination_check_command(directory: str, name: str) -> str:
    """Creates the destination directory; fails when it cannot be written or already holds ``name``."""
    script = (
        f'mkdir -p -- "$1" 2>/dev/null; test -d "$1" || {{ echo "cannot create the directory"; exit {FAILED}; }}; '
        f'test -w "$1" || {{ echo "directory not writable"; exit {FAILED}; }}; '
        f'if test -e "$1/$2"; then echo "$2 already exists there (remove it or choose another directory)"; exit {FAILED}; fi'
    )
    return _script(script, directory, name)


def pack_command(parent: str, name: str) -> str:
    return f"tar cf - -C {shlex.quote(parent)} {shlex.quote(name)}"


def unpack_command(directory: str) -> str:
    return f"tar xf - -C {shlex.quote(directory)}"


def checksum_command(parent: str, name: str) -> str:
    """``sha256  name/relative/path`` per regular file, the same command on both sides."""
    script = 'cd -- "$1" && find "$2" -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum --'
    return _script(script, parent, name)


@dataclass(frozen=True)
class SourceFacts:
    size: int
    checkpoints: tuple[str, ...]


def parse_source_check(stdout: str) -> SourceFacts:
    lines = stdout.splitlines()
    try:
        size = int(lines[0])
    except (IndexError, ValueError):
        raise UserError(f"unexpected answer from the source check: {stdout[:200]!r}") from None
    return SourceFacts(size, tuple(line for line in lines[1:] if line))


def parse_checksums(stdout: str) -> dict[str, str]:
    """path -> sha256. sha256sum escapes odd names (leading ``\\``); both sides do the same."""
    sums = {}
    for line in stdout.splitlines():
        digest, sep, path = line.partition("  ")
        if sep:
            sums[path if not digest.startswith("\\") else "\\" + path] = digest.lstrip("\\")
    return sums


@dataclass(frozen=True)
class Comparison:
    files: int
    missing: tuple[str, ...]  # on the source, not on the destination
    extra: tuple[str, ...]
    different: tuple[str, ...]

    @property
    def equal(self) -> bool:
        return not (self.missing or self.extra or self.different)

    def summary(self, most: int = 5) -> str:
        if self.equal:
            return f"verified: {self.files} file{'s' if self.files != 1 else ''}, sha256 equal on both sides"
        parts = [
            f"{label} {len(paths)}: {', '.join(paths[:most])}{' ...' if len(paths) > most else ''}"
            for label, paths in (("missing", self.missing), ("extra", self.extra), ("different", self.different))
            if paths
        ]
        return "checksums differ: " + "; ".join(parts)


def compare(source: dict[str, str], destination: dict[str, str]) -> Comparison:
    return Comparison(
        files=len(source),
        missing=tuple(sorted(source.keys() - destination.keys())),
        extra=tuple(sorted(destination.keys() - source.keys())),
        different=tuple(sorted(p for p in source.keys() & destination.keys() if source[p] != destination[p])),
    )


def gpu_types(cluster: Cluster) -> frozenset[str]:
    return frozenset(p.gpu_type.lower() for p in cluster.partitions if p.gpu_type)


def checkpoint_warning(checkpoints: Sequence[str], source: Cluster, destination: Cluster) -> str | None:
    """The field notes' caution when checkpoints move between different GPU architectures."""
    src, dst = gpu_types(source), gpu_types(destination)
    if not checkpoints or not src or not dst or src == dst:
        return None
    listed = ", ".join(checkpoints[:3]) + (" ..." if len(checkpoints) > 3 else "")
    return (
        f"warning: checkpoints ({listed}) move from {source.name} ({'/'.join(sorted(src))}) to "
        f"{destination.name} ({'/'.join(sorted(dst))}): the format is portable, but bf16 precision "
        "behaviour may differ between GPU architectures; test before resuming from them"
    )


def iec_bytes(count: float) -> str:
    """``1.5 GiB``: IEC binary units, for humans reading transfer sizes (Slurm style: ``slurm.units.slurm_size``)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(count) < 1024 or unit == "TiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    raise AssertionError("unreachable")


def progress_line(done: int, expected: int, seconds: float) -> str:
    """``1.2 GiB of ~3.4 GiB (35%), 85.3 MiB/s``; the tar stream is a little larger than ``du``."""
    share = f" ({min(99, int(100 * done / expected))}%)" if expected > 0 else ""
    return f"{iec_bytes(done)} of ~{iec_bytes(expected)}{share}, {_rate(done, seconds)}"


def done_line(done: int, seconds: float) -> str:
    """``4.8 MiB in 0.3 s (18.8 MiB/s)``"""
    return f"{iec_bytes(done)} in {seconds:.1f} s ({_rate(done, seconds)})"


def _rate(done: int, seconds: float) -> str:
    return iec_bytes(done / seconds if seconds > 0 else 0.0) + "/s"


def verify_timeout(size: int) -> float:
    """Seconds allowed for the checksums: 10 minutes plus 10 MB/s (slow parallel file systems)."""
    return 600 + size / 10e6
