"""The remote commands of the live-use view of a running job, and the frames its GPU step prints.

``sstat_command``: CPU and memory of every running step (3 slurmctld RPCs in 22.05: federation
info, the job's steps, its allocation). ``gpu_step_command``: ONE ``srun --overlap`` step inside
the job's allocation (on its first node) that runs the GPU tool every few seconds and prints
each reading between two marker lines::

    @hpctui-gpu-begin
    <what the tool printed, stderr included>
    @hpctui-gpu-end <the tool's exit status>

A step costs 3 slurmctld RPCs (allocation lookup, step create, step complete; a 4th, step
cancel, when it is stopped early) whatever it runs, so one step samples many times instead of one step per sample. It can never outlive its
client: the loop stops by itself after ``samples`` readings, ``timeout`` (remote side) ends
srun, which ends the step, after ``life_s``, and the channel closing (the client closed it, or
its connection is gone) ends srun at once.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from hpctui.slurm.commands import env_prefix, validate_job_id
from hpctui.slurm.parse.usage import SSTAT_FIELDS

BEGIN = "@hpctui-gpu-begin"
END = "@hpctui-gpu-end"
STEP_NAME = "hpctui-live"
KILL_AFTER_S = 5  # timeout's SIGKILL, should srun ignore the SIGTERM
STRAY_LINES = 5  # lines outside frames kept (srun's own errors)

# The tool's arguments per kind; the program is the cluster's ``gpu_tool_command`` or the name.
GPU_TOOLS = {
    "nvidia": (
        "nvidia-smi",
        "--query-gpu=index,name,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits",
    ),
    "rocm": ("rocm-smi", "--showuse --showmeminfo vram --json"),
}


def sstat_command(job_id: str) -> str:
    job = shlex.quote(validate_job_id(job_id, single=True))
    return f"{env_prefix(('SSTAT_FORMAT',))} sstat -j {job} -a -P -n --format={','.join(SSTAT_FIELDS)}"


def gpu_tool_line(kind: str, program: str | None) -> str:
    """The tool's command line: ``program`` is trusted config text (a path, ``module load x &&
    rocm-smi``), run as written, followed by the fixed arguments of ``kind``."""
    name, arguments = GPU_TOOLS[kind]
    return f"{program or name} {arguments}"


def gpu_step_command(job_id: str, tool_line: str, *, every_s: int, life_s: int) -> str:
    """One step that prints a GPU reading every ``every_s`` for at most ``life_s`` seconds."""
    job = validate_job_id(job_id, single=True)
    samples = max(1, life_s // every_s)
    loop = (
        f'i=0; while [ "$i" -lt {samples} ]; do echo {BEGIN}; {tool_line} 2>&1; echo "{END} $?"; '
        f'i=$((i + 1)); [ "$i" -lt {samples} ] && sleep {every_s}; done'
    )
    srun = ["srun", f"--jobid={job}", "--overlap", "-N1", "-n1", "--quiet", f"--job-name={STEP_NAME}", "sh", "-c", loop]
    step = f"{env_prefix()} timeout -k {KILL_AFTER_S} {life_s} {' '.join(shlex.quote(part) for part in srun)}"
    # srun lives on when its client vanishes (it ignores the broken pipe): a watcher reads the
    # channel's stdin (fd 3; background jobs get /dev/null) and stops the step at its EOF; the
    # signal of a channel closed by the client (asyncssh's terminate) stops it too.
    return (
        f"exec 3<&0; {step} </dev/null 2>&1 & p=$!; trap 'kill $p 2>/dev/null' TERM HUP INT; "
        "{ cat <&3 >/dev/null 2>&1; kill $p; } 2>/dev/null & w=$!; "
        "wait $p; kill $w 2>/dev/null"
    )


@dataclass(frozen=True)
class ToolFrame:
    text: str  # what the tool printed
    status: int  # its exit status


class GpuFrames:
    """Cuts the step's output into ``ToolFrame``s; lines outside frames (srun's errors) go to
    ``stray``, the last few kept."""

    def __init__(self) -> None:
        self._pending = b""
        self._inside: list[str] | None = None
        self.stray: list[str] = []

    def feed(self, data: bytes) -> list[ToolFrame]:
        *lines, self._pending = (self._pending + data).split(b"\n")
        frames = []
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip("\r")
            if line == BEGIN:
                self._inside = []
            elif line.startswith(END) and self._inside is not None:
                status = line[len(END) :].strip()
                frames.append(ToolFrame("\n".join(self._inside), int(status) if status.isdigit() else -1))
                self._inside = None
            elif self._inside is not None:
                self._inside.append(line)
            elif line.strip():
                self.stray = [*self.stray, line][-STRAY_LINES:]
        return frames
