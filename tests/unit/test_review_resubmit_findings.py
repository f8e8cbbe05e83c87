"""Review findings (s6-review) on resubmission, both seen on the lab with `hpctui resubmit`.

1. The pending rest of an array (scontrol: ArrayTaskId=3-4%2) has StdOut
   ".../slurm-13467_4294967294.out" (4294967294 is Slurm's NO_VAL where the task id goes). The
   plan became --output=.../slurm-%j_4294967294.out: every task of the new array writes to one
   file. Expected: Slurm's array default (no --output) or slurm-%A_%a.out.
2. An ended job typed with --gres=gpu:mi250x:2 is resubmitted with --gres=gpu:2: accounting's
   ReqTRES (gres/gpu=2) has no type and wins over the SubmitLine, so on a cluster with two GPU
   types (the lab's beta: a100 and v100) the new job may land on the other type.
"""

from __future__ import annotations

from hpctui.slurm.accounting import fields_from_accounting
from hpctui.slurm.directives import read_directives
from hpctui.slurm.submit import options_from_job
from hpctui.slurm.submitline import parse_submit_line

ARRAY_REST = {  # scontrol show job 13467 on the lab, the pending rest of --array=1-4%2
    "JobId": "13467",
    "ArrayJobId": "13467",
    "ArrayTaskId": "3-4%2",
    "JobName": "arr",
    "Partition": "gpu",
    "TimeLimit": "00:30:00",
    "NumNodes": "1",
    "NumTasks": "1",
    "CPUs/Task": "1",
    "TresPerNode": "gres:gpu:1",
    "WorkDir": "/home/hpcuser/project/w16a",
    "StdOut": "/home/hpcuser/project/w16a/slurm-13467_4294967294.out",
    "StdErr": "/home/hpcuser/project/w16a/slurm-13467_4294967294.out",
}


def test_resubmitting_an_array_rest_keeps_one_log_per_task() -> None:
    options = options_from_job(ARRAY_REST, read_directives("#!/bin/bash\n")).options
    assert "4294967294" not in (options.output or ""), options.output
    assert options.output in (None, "/home/hpcuser/project/w16a/slurm-%A_%a.out")


def test_an_ended_jobs_gpu_type_from_its_submit_line_is_kept() -> None:
    record = {  # sacct of job 13464 on the lab
        "JobName": "evil",
        "Partition": "gpu",
        "Timelimit": "00:30:00",
        "WorkDir": "/home/hpcuser/project/w16a",
        "State": "FAILED",
        "NNodes": "1",
        "ReqCPUS": "1",
        "ReqMem": "256M",
        "ReqTRES": "billing=1,cpu=1,gres/gpu=2,mem=256M,node=1",
        "Account": "lab",
        "QOS": "normal",
        "SubmitLine": "sbatch --job-name=evil --gres=gpu:mi250x:2 -o %x_%j.out train.sh",
    }
    fields = fields_from_accounting("13464", record)
    typed = parse_submit_line(record["SubmitLine"])
    options = options_from_job(fields, read_directives("#!/bin/bash\n"), typed).options
    assert options.gres == "gpu:mi250x:2", options.gres
