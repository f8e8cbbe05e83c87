"""`hpctui sync`, the pure part: rsync exclude matching, the leading-slash pitfall, the argv.

The field notes' costliest mistake: ``rsync --exclude 'data'`` without a leading slash leaves out
EVERY directory named ``data``, so ``src/mypackage/data/`` (Python source) never reaches the
cluster and the job dies there with a missing module. ``pitfalls`` finds such excludes by
matching them against the local tree the way rsync does (see "INCLUDE/EXCLUDE PATTERN RULES"
in rsync(1)).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from hpctui.config.model import SshTarget
from hpctui.ssh.link import under_sh

DEFAULT_EXCLUDES = (".git", "__pycache__", "/data")
SOURCE_SUFFIXES = frozenset(".py .pyx .pxd .pyi .c .h .cc .cpp .hpp .cu .f .f90 .jl .r .sh .sbatch".split())


@dataclass(frozen=True)
class Pattern:
    """One ``--exclude`` pattern, parsed as rsync reads it."""

    text: str
    anchored: bool  # leading "/": matched from the top of the transfer only
    dir_only: bool  # trailing "/" (or "/***": the directory, its contents going with it)
    regex: re.Pattern[str]
    whole_path: bool  # contains "/" or "**": matched against the path, else the last name only

    def matches(self, rel: PurePosixPath, is_dir: bool) -> bool:
        """Does rsync exclude ``rel`` (a path relative to the top of the transfer)?"""
        if self.dir_only and not is_dir:
            return False
        if not self.whole_path:
            subject = rel.name
        elif self.text.startswith("**"):
            subject = "/" + rel.as_posix()  # rsync lets a leading "**/" match at the top too
        else:
            subject = rel.as_posix()
        return self.regex.fullmatch(subject) is not None


@lru_cache(maxsize=256)
def parse_pattern(text: str) -> Pattern:
    anchored = text.startswith("/")
    core = text[1:] if anchored else text
    dir_only = core.endswith("/") or core.endswith("/***")
    core = core.removesuffix("/***").rstrip("/")
    whole_path = anchored or "/" in core or "**" in core
    body = _translate(core)
    if whole_path and not anchored:
        body = f"(?:.*/)?{body}"  # unanchored: matches the end of the path, at a name boundary
    return Pattern(text, anchored, dir_only, re.compile(body, re.DOTALL), whole_path)


def _translate(core: str) -> str:
    """rsync wildcards to a regex: ``*`` and ``?`` stop at "/", ``**`` does not."""
    if not any(c in core for c in "*?["):
        return re.escape(core)  # no wildcards: backslashes are literal too
    out, i = [], 0
    while i < len(core):
        char = core[i]
        if core.startswith("**", i):
            out.append(".*")
            i += 3 if core.startswith("***", i) else 2
            continue
        if char == "[" and (end := core.find("]", i + 2)) != -1:
            out.append(_char_class(core[i + 1 : end]))
            i = end + 1
            continue
        if char == "\\" and i + 1 < len(core):
            out.append(re.escape(core[i + 1]))
            i += 2
            continue
        out.append({"*": "[^/]*", "?": "[^/]"}.get(char) or re.escape(char))
        i += 1
    return "".join(out)


def _char_class(inside: str) -> str:
    negate = inside.startswith("!")
    body = inside[1:] if negate else inside
    return "[" + ("^" if negate else "") + body.replace("\\", "\\\\") + "]"


@dataclass(frozen=True)
class Pitfall:
    """An unanchored exclude that also drops a nested directory holding source code."""

    pattern: str
    directory: str  # relative to the top of the transfer
    sources: int
    example: str

    @property
    def message(self) -> str:
        plural = "s" if self.sources != 1 else ""
        return (
            f"--exclude {shlex.quote(self.pattern)} would also leave out {self.directory}/ "
            f"({self.sources} source file{plural}, e.g. {self.example}): without a leading slash rsync "
            f"excludes that name at every depth; use --exclude {shlex.quote('/' + self.pattern)} "
            "for the top-level one only"
        )


def pitfalls(patterns: Iterable[str], tree: Path) -> list[Pitfall]:
    """Bare-name ``patterns`` (no "/" but a trailing one, no "**") that exclude a directory of
    ``tree`` holding source files which the same pattern WITH a leading slash would keep.

    Patterns naming a path (``pkg/data``, ``**/data``) say where they apply and are taken as
    meant. Directories excluded by any pattern are not entered: what they hold is not sent.
    """
    parsed = [parse_pattern(p) for p in patterns]
    found = []
    for rel, path in _synced_dirs(tree, parsed):
        for pattern in parsed:
            if pattern.whole_path or not pattern.matches(rel, True):
                continue
            if parse_pattern("/" + pattern.text).matches(rel, True):
                continue  # the top-level match is the one the user meant
            sources = sorted(_source_files(path))
            if sources:
                example = (rel / sources[0].relative_to(path)).as_posix()
                found.append(Pitfall(pattern.text, rel.as_posix(), len(sources), example))
    return found


def _synced_dirs(tree: Path, patterns: Sequence[Pattern]) -> Iterator[tuple[PurePosixPath, Path]]:
    """Every directory below ``tree`` that rsync looks at, with the excluded ones themselves
    (yielded, not entered)."""
    for top, dirs, _files in os.walk(tree):
        base = PurePosixPath(Path(top).relative_to(tree).as_posix())
        kept = []
        for name in sorted(dirs):
            rel = base / name if base != PurePosixPath(".") else PurePosixPath(name)
            yield rel, Path(top, name)
            if not any(p.matches(rel, True) for p in patterns):
                kept.append(name)
        dirs[:] = kept


def _source_files(directory: Path) -> Iterator[Path]:
    for top, _dirs, files in os.walk(directory):
        for name in files:
            if os.path.splitext(name)[1].lower() in SOURCE_SUFFIXES:
                yield Path(top, name)


def ssh_argv(target: SshTarget) -> list[str]:
    """The ``ssh`` command rsync runs: the user's ssh config for the host plus the config's
    explicit fields (which win over it, as they do for the ClusterLink)."""
    argv = ["ssh"]
    if target.ssh_config:
        argv += ["-F", target.ssh_config]
    if target.known_hosts:
        argv += ["-o", f"UserKnownHostsFile={target.known_hosts}"]
    if target.alias and target.host:
        argv += ["-o", f"HostName={target.host}"]
    if target.port:
        argv += ["-p", str(target.port)]
    if target.user:
        argv += ["-l", target.user]
    if target.identity_file:
        argv += ["-i", target.identity_file]
    if target.proxy_jump:
        argv += ["-J", target.proxy_jump]
    argv += ["-o", f"ConnectTimeout={max(1, round(target.connect_timeout_s))}"]
    argv += ["-o", f"ForwardAgent={'yes' if target.forward_agent else 'no'}"]  # as the ClusterLink: only when asked
    return argv


def rsync_argv(
    source: Path, target: SshTarget, remote_dir: str, excludes: Sequence[str], *, dry_run: bool = False
) -> list[str]:
    """``rsync -az`` of the CONTENTS of ``source`` into ``remote_dir``.

    A real run creates ``remote_dir`` first through ``--rsync-path`` (works with any remote
    rsync, unlike ``--mkpath`` which needs 3.2.3 on both ends); a dry run changes nothing.
    """
    argv = ["rsync", "-az", "--info=progress2", "-e", shlex.join(ssh_argv(target))]
    if dry_run:
        argv += ["--dry-run", "--itemize-changes"]
    else:
        # Past the login shell (tcsh, fish...) like every command of hpctui; rsync's arguments follow as "$@".
        remote = f'mkdir -p {shlex.quote(remote_dir)} && exec rsync "$@"'
        argv.append(f"--rsync-path={under_sh(remote)} rsync")
    argv += [f"--exclude={pattern}" for pattern in excludes]
    argv += [f"{str(source).rstrip('/')}/", f"{target.destination}:{remote_dir.rstrip('/')}/"]
    return argv
