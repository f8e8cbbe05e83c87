"""The output formats we ask Slurm for, shared by the command builders and the parsers.

squeue and sinfo use ``--Format`` (``-O``): only it offers STDOUT/STDERR, tres-alloc
(GPU counts for pending and running jobs alike) and GresUsed. Each field is written as
``Name:<US>``: size 0 means "no padding, no truncation" and the suffix, the ASCII unit
separator, ends every field, so each row ends with one too (checked by the parsers).
"""

from __future__ import annotations

DELIMITER = "\x1f"  # ASCII unit separator: never in paths or TRES strings (a job name may hold it)
ROW_END = DELIMITER + "\n"  # how every --Format row ends
SECTION_MARK = "\x1e"  # ASCII record separator: starts each section of a combined poll

GROUP_END = "\x1d"  # ASCII group separator: ends the shared group of squeue fields

# squeue fields in two groups. The first holds what many of a user's jobs have in common (an
# array's tasks, a sweep's jobs in one state) and never a path or a name, so it is cut off at
# its GROUP_END and parsed once per distinct text; the second holds each job's own values.
SQUEUE_SHARED_FIELDS = (
    "UserName",
    "Partition",
    "State",  # long form
    "Reason",
    "TimeLimit",
    "NumNodes",
    "NumTasks",
    "tres-per-job",  # "gres:gpu:2" for --gpus=2
    "tres-per-node",  # "gres:gpu:mi250x:2" for --gres=gpu:mi250x:2
    "tres-per-socket",  # "gres:gpu:1" for --gpus-per-socket=1
    "tres-per-task",  # "gres:gpu:2" (22.05), "gres/gpu=2" (later) for --gpus-per-task=2
    "Sockets",  # sockets per node asked for (--sockets-per-node), "*" when not given
    "tres-alloc",  # allocated TRES if running, requested otherwise; ended by GROUP_END
)
SQUEUE_OWN_FIELDS = (
    "JobArrayID",  # "123", or "123_4" for an array task (one row per task with -r)
    "JobID",  # the numeric id, unique per array task: what %j expands to
    "ArrayJobID",  # base job id of the array; the job id itself otherwise
    "ArrayTaskID",  # "4", "[5-9%2]" for a pending remainder, "N/A" outside arrays
    "NodeList",
    "TimeUsed",
    "SubmitTime",
    "StartTime",  # expected start for pending jobs, "N/A" when unknown
    "STDOUT",  # the pattern as given: squeue 22.05 does not expand %j, %A, ...
    "STDERR",
    "WorkDir",
    "Name",  # LAST: a name may hold the delimiter or a newline; the row's end finds it
)
SQUEUE_FIELDS = SQUEUE_SHARED_FIELDS + SQUEUE_OWN_FIELDS

SINFO_FIELDS = (
    "NodeList",
    "NodeHost",
    "PartitionName",  # without the "*" that marks the default partition
    "StateCompact",  # idle, mix, alloc, drain, drng, down, ... plus flags like "*"
    "Gres",  # "gpu:mi250x:8", "gpu:a100:2,gpu:v100:2", "(null)"
    "GresUsed",  # "gpu:mi250x:4(IDX:0-3)", "gpu:0"
    "CPUsState",  # allocated/idle/other/total
    "Memory",  # MB
)

# sacct --parsable2 with our delimiter: no trailing delimiter, one row per job and step.
SACCT_FIELDS = (
    "JobID",
    "JobName",
    "Partition",
    "Elapsed",
    "Timelimit",
    "MaxRSS",
    "MaxVMSize",
    "State",
    "ExitCode",
    "Start",
    "End",
    "WorkDir",
)


def long_format(fields: tuple[str, ...]) -> str:
    """The ``--Format`` argument for ``fields``: unpadded, each ended by the delimiter."""
    return ",".join(f"{name}:{DELIMITER}" for name in fields)


def squeue_format() -> str:
    """The ``--Format`` argument of our squeue: the shared group ended by GROUP_END."""
    shared = long_format(SQUEUE_SHARED_FIELDS)
    return f"{shared[: -len(DELIMITER)]}{GROUP_END},{long_format(SQUEUE_OWN_FIELDS)}"
