"""The remote command that tails a log file by byte offset, and the frames it prints.

The command is a small POSIX ``sh`` loop (login shells may be tcsh or zsh, so it always runs
under ``sh -c``). It polls the file size instead of relying on inotify, which Lustre and NFS do
not deliver, and prints self-describing frames on stdout so that the client always knows the
exact byte offset of every byte it receives:

``H <offset> <size> <age>``  hello: streaming starts at ``offset``; ``size`` is -1 when the file
                       is missing; ``age`` is seconds since the file last changed (remote clock)
``D <offset> <n>``     followed by exactly ``n`` bytes of the file starting at ``offset``
``T <size>``           the file shrank below the offset (a requeued job truncates its output):
                       streaming restarts at offset 0
``S <size>``           heartbeat when nothing is new; writing it also makes the loop die of
                       SIGPIPE soon after the channel closes, so no loop outlives its client
``X <reason>``         a fatal problem (a directory, not readable); the command exits

A data frame is padded with NUL bytes if the file is truncated while the frame is being read,
so the framing never breaks; the next poll then reports the truncation.
"""

from __future__ import annotations

import shlex

TAIL_SCRIPT = r"""f=$1 o=$2 n=$3 p=$4 m=$5 w=$6
if [ -d "$f" ]; then echo "X a directory, not a file: $f"; exit 0; fi
if [ -e "$f" ] && [ ! -r "$f" ]; then echo "X not readable: $f"; exit 0; fi
size() { stat -L -c %s -- "$f" 2>/dev/null || echo -1; }
s=$(size)
if [ "$o" -lt 0 ]; then
  if [ "$s" -le 0 ]; then o=0; else
    [ "$w" -gt "$s" ] && w=$s
    k=$(tail -c "+$((s - w + 1))" -- "$f" | head -c "$w" | tail -n "$n" | wc -c)
    o=$((s - k))
  fi
fi
a=$(( $(date +%s) - $(stat -L -c %Y -- "$f" 2>/dev/null || date +%s) ))
echo "H $o $s $a"
while :; do
  s=$(size)
  if [ "$s" -ge 0 ] && [ "$s" -lt "$o" ]; then echo "T $s"; o=0; fi
  if [ "$s" -gt "$o" ]; then
    c=$((s - o)); [ "$c" -gt "$m" ] && c=$m
    echo "D $o $c"
    { tail -c "+$((o + 1))" -- "$f" 2>/dev/null; cat /dev/zero; } | head -c "$c"
    o=$((o + c))
    [ "$c" -eq "$m" ] && continue
  else
    echo "S $s"
  fi
  sleep "$p"
done"""

MAX_FRAME_BYTES = 4 * 1024 * 1024
LAST_LINES_WINDOW_PER_LINE = 4096  # bytes searched per requested line for the initial tail


def tail_command(
    path: str,
    *,
    offset: int | None = None,
    last_lines: int = 1000,
    poll_s: float = 0.5,
    max_frame: int = MAX_FRAME_BYTES,
) -> str:
    """Shell-ready command following ``path`` from ``offset``, or from its last ``last_lines`` lines.

    ``offset=None`` asks for the last lines (the start offset is computed remotely from a
    snapshot of the file size, so a growing file loses nothing between the two steps).
    """
    if not path:
        raise ValueError("empty log path")
    if offset is not None and offset < 0:
        raise ValueError(f"negative offset {offset}")
    start = -1 if offset is None else offset
    lines = max(0, last_lines)
    args = [
        path,
        str(start),
        str(lines),
        f"{poll_s:g}",
        str(max_frame),
        str(lines * LAST_LINES_WINDOW_PER_LINE),
    ]
    return " ".join(["sh", "-c", shlex.quote(TAIL_SCRIPT), "hpctui-tail", *map(shlex.quote, args)])
