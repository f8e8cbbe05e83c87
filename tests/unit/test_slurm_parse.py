"""Parsers against real output captured from the lab (tests/fixtures/slurm/README.md lists
the jobs and what they were), plus the shapes the lab cannot produce."""

from __future__ import annotations

from pathlib import Path

import pytest
from squeue_rows import squeue_row

from hpctui.slurm.errors import SlurmError, SlurmParseError, check_errors, check_section, is_error_line
from hpctui.slurm.filenames import expand_filename, pattern_codes
from hpctui.slurm.formats import SACCT_FIELDS
from hpctui.slurm.hostlist import expand_hostlist, first_host
from hpctui.slurm.interactive import node_field
from hpctui.slurm.models import Gres, Job, Node
from hpctui.slurm.parse import (
    SqueueParser,
    parse_duration,
    parse_gres,
    parse_sacct,
    parse_sbatch,
    parse_scontrol_job,
    parse_sinfo,
    parse_size,
    parse_squeue,
    split_poll,
    state_group,
    summarise_partitions,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "slurm"
US = "\x1f"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def fixture_with_stderr(name: str) -> tuple[str, int, str]:
    """(stdout, exit status, stderr) of a fixture written by capture.py's save_both."""
    stdout, _, rest = fixture(name).partition("--- stderr (exit ")
    status, _, stderr = rest.partition(") ---\n")
    return stdout, int(status), stderr


@pytest.fixture(scope="module")
def jobs():
    return {job.job_id: job for job in parse_squeue(fixture("alpha_squeue.txt"), cluster="alpha")}


@pytest.fixture(scope="module")
def accounting():
    return {record.job_id: record for record in parse_sacct(fixture("sacct.txt"), cluster="alpha")}


# ---- squeue ---------------------------------------------------------------------------------


def test_squeue_running_gres_job(jobs):
    job = jobs["1001"]
    assert (job.name, job.user, job.partition, job.state, job.reason) == (
        "gpu2run",
        "hpcuser",
        "gpu",
        "RUNNING",
        "None",
    )
    assert (job.gpus, job.nodelist, job.num_nodes, job.time_limit_s) == (2, "a1", 1, 30 * 60)
    assert job.array_job_id is None and job.array_task_id is None
    assert job.stdout == "/home/hpcuser/hpcsl/slurm-1001.out"
    assert job.work_dir == "/home/hpcuser/hpcsl"
    assert job.cluster == "alpha"
    assert job.tres.endswith("gres/gpu=2")


def test_squeue_gpus_per_job_and_name_with_spaces(jobs):
    assert jobs["1002"].name == "gpus per job"
    assert jobs["1002"].gpus == 2  # --gpus=2 shows in tres-per-job, not tres-per-node


def test_squeue_array_tasks_one_row_each(jobs):
    tasks = [jobs[f"1003_{i}"] for i in (1, 2, 3)]
    assert [t.array_task_id for t in tasks] == ["1", "2", "3"]
    assert {t.array_job_id for t in tasks} == {"1003"}
    assert [t.unique_id for t in tasks] == ["1005", "1006", "1003"]
    assert tasks[0].stdout == "/home/hpcuser/hpcsl/arr_1003_1.out"  # expanded when asked for
    assert tasks[0].stdout_pattern == "/home/hpcuser/hpcsl/arr_%A_%a.out"  # as squeue printed it


def test_squeue_zero_padded_task_pattern_matches_the_file_slurm_wrote(jobs):
    # slurmstepd wrote thr_1016_0001.out for -o thr_%A_%4a.out (scontrol 22.05 prints %4a raw).
    assert jobs["1016_1"].stdout == "/home/hpcuser/hpcsl/thr_1016_0001.out"
    assert jobs["1016_3"].state == "PENDING"
    assert jobs["1016_3"].reason == "JobArrayTaskLimit"


def test_squeue_pending_held_and_waiting_jobs(jobs):
    held = jobs["1004"]
    assert (held.state, held.reason, held.nodelist, held.start_time, held.gpus) == (
        "PENDING", "JobHeldUser", "", None, 1,
    )  # fmt: skip
    assert held.time_used_s == 0
    assert jobs["1014"].reason == "BeginTime"
    assert jobs["1014"].start_time == "2026-11-28T23:06:23"  # --begin=now+3600
    assert jobs["1015"].reason == "Dependency"


def test_squeue_finished_jobs_stay_visible(jobs):
    assert (jobs["1019"].state, jobs["1019"].reason) == ("TIMEOUT", "TimeLimit")
    assert jobs["1019"].time_used_s == 74 and jobs["1019"].time_limit_s == 60
    assert (jobs["1020"].state, jobs["1020"].reason) == ("FAILED", "NonZeroExitCode")
    assert jobs["1018"].state == "CANCELLED"
    assert jobs["1017"].state == "COMPLETED"


def test_squeue_output_path_matches_scontrol(jobs):
    details = parse_scontrol_job(fixture("scontrol_job.txt"))
    assert jobs["1025"].stdout == details["StdOut"] == "/home/hpcuser/hpcsl/my dir/spaced name_1025.out"
    assert jobs["1025"].stderr == details["StdErr"]
    assert jobs["1025"].work_dir == details["WorkDir"]


def test_squeue_unset_task_count_is_none(jobs):
    assert jobs["1009"].num_tasks is None  # squeue prints NO_VAL (4294967294)
    assert jobs["1001"].num_tasks == 1


def test_squeue_name_with_shell_characters(jobs):
    assert jobs["1029"].name == "n;m $(x)"


def _squeue_row(**changes: str) -> str:
    fields = {
        "job": "7", "unique": "7", "array": "7", "task": "N/A", "user": "u", "part": "p",
        "state": "PENDING", "reason": "Resources", "nodes": "", "used": "0:00", "limit": "1:00:00",
        "num_nodes": "2", "num_tasks": "8", "per_job": "N/A", "per_node": "N/A", "per_socket": "N/A",
        "per_task": "N/A", "sockets": "*", "tres": "cpu=8,mem=1G,node=2", "submit": "2024-01-01T00:00:00",
        "start": "N/A", "out": "/w/%x-%j.out", "err": "", "workdir": "/w", "name": "n",
    }  # fmt: skip
    fields.update(changes)
    return squeue_row(dict(zip(CAPTURE_ORDER, fields.values(), strict=True)))


# The order of _squeue_row's keys: the order the fixtures were first captured in.
CAPTURE_ORDER = ("JobArrayID", "JobID", "ArrayJobID", "ArrayTaskID", "UserName", "Partition", "State", "Reason",
                 "NodeList", "TimeUsed", "TimeLimit", "NumNodes", "NumTasks", "tres-per-job", "tres-per-node",
                 "tres-per-socket", "tres-per-task", "Sockets", "tres-alloc", "SubmitTime", "StartTime", "STDOUT",
                 "STDERR", "WorkDir", "Name")  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "gpus"),
    [
        ({"per_node": "gres:gpu:a100:2"}, 4),  # 2 per node x 2 nodes
        ({"per_task": "gres:gpu:1"}, 8),  # 1 per task x 8 tasks
        ({"per_job": "gres:gpu:3"}, 3),
        ({"per_node": "gres/gpu:2"}, 4),  # 23.x spelling
        ({"per_node": "gres:gpu:2,gres:shard:4"}, 4),
        ({"tres": "cpu=8,gres/gpu=6,gres/gpu:a100=6", "per_node": "gres:gpu:1"}, 6),  # allocation wins
        ({}, 0),
    ],
)
def test_squeue_gpus_without_gpu_accounting(changes, gpus):
    assert parse_squeue(_squeue_row(**changes))[0].gpus == gpus


def test_squeue_unlimited_and_empty_values():
    job = parse_squeue(_squeue_row(limit="UNLIMITED", used="INVALID", err="", start="N/A"))[0]
    assert (job.time_limit_s, job.time_used_s, job.stderr, job.start_time) == (None, None, None, None)
    assert job.stdout == "/w/n-7.out"


def test_squeue_empty_output_is_no_jobs():
    assert parse_squeue("") == []


def test_squeue_error_line_raises_slurm_error():
    with pytest.raises(SlurmError, match="Unable to contact slurm controller"):
        parse_squeue("slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n")


@pytest.mark.parametrize(
    "text",
    [
        "1|2|3\n".replace("|", US),
        _squeue_row().rstrip("\n").rstrip(US) + "\n",  # no trailing delimiter
        _squeue_row(num_nodes="two"),
        _squeue_row(unique="x"),
        _squeue_row(limit="1:2:3:4"),
        "JOBID PARTITION NAME\n",  # a header: someone dropped --noheader
    ],
)
def test_squeue_malformed_raises_parse_error(text):
    with pytest.raises(SlurmParseError):
        parse_squeue(text)


# ---- file name patterns ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("%x_%j.out", "train_1021.out"),
        ("%A_%a.out", "1016_1.out"),
        ("%A_%4a", "1016_0001"),
        ("%u/%N/%%j", "me/a1/%j"),
        ("%n-%t-%s-%J", "0-0-batch-1021"),
        ("\\%x_%j", "%x_%j"),  # a backslash turns expansion off
        ("%q%", "%q%"),
        ("%3x", "train"),
        ("%\u00b2a", "%\u00b2a"),  # a digit that is not ASCII is no width
    ],
)
def test_expand_filename(pattern, expected):
    assert expand_filename(pattern, "1021", "1016", "1", "train", "me", "a1") == expected


def test_expand_filename_outside_arrays():
    assert expand_filename("%A-%a", "55", None, None, "n", "u", "") == "55-4294967294"


def test_scontrol_paths_keep_the_node_codes_which_are_expanded_as_slurmstepd_did():
    # Job 7179 ran on a3, whose host name is vm; slurmstepd wrote these two files.
    fields = parse_scontrol_job(fixture("scontrol_node_codes.txt"))
    stdout, stderr = fields["StdOut"], fields["StdErr"]
    assert (pattern_codes(stdout), pattern_codes(stderr)) == (frozenset("Nnts"), frozenset("Nt"))
    host = node_field(fixture("scontrol_node.txt"), "NodeHostName", "a3")
    assert host == "vm"
    assert expand_filename(stdout, "7179", None, None, "nodecodes", "hpcuser", host) == (
        "/tmp/nc_vm_0_0_batch_7179_nodecodes.out"
    )
    assert expand_filename(stderr, "7179", None, None, "nodecodes", "hpcuser", host) == "/tmp/nc_%_000_vm.err"


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("%5N_%5u_%5x_%5j", "42_42_42_00042"),  # slurmstepd pads the numbers alone, not %N %u %x
        ("%3a_%2t_%4s", "4294967294_00_batch"),
    ],
)
def test_a_width_pads_the_number_codes_alone(pattern, expected):
    assert expand_filename(pattern, "42", None, None, "42", "42", "42") == expected


# ---- sinfo ------------------------------------------------------------------------------------


def test_sinfo_alpha_nodes():
    nodes = {n.name: n for n in parse_sinfo(fixture("alpha_sinfo.txt"))}
    assert set(nodes) == {"a1", "a2", "a3"}
    a1 = nodes["a1"]
    assert (a1.partition, a1.state, a1.hostname, a1.memory_mb) == ("gpu", "mix", "vm", 8192)
    assert a1.gres == (Gres("gpu", "mi250x", 8),)
    assert (a1.gpus_total, a1.gpus_used) == (8, 5)
    assert (a1.cpus_alloc, a1.cpus_idle, a1.cpus_other, a1.cpus_total) == (8, 8, 0, 16)
    assert nodes["a3"].gres == () and nodes["a3"].gpus_total == 0


def test_sinfo_beta_two_gpu_types_summary():
    partitions = {p.name: p for p in summarise_partitions(parse_sinfo(fixture("beta_sinfo.txt")))}
    accel = partitions["accel"]
    assert accel.gpus_total == {"a100": 6, "v100": 2}
    assert accel.gpus_alloc == {"a100": 0, "v100": 1}
    assert (accel.total, accel.alloc, accel.free) == (8, 1, 7)
    assert accel.nodes_by_state["idle"] == 1 and accel.nodes_by_state["mixed"] == 1
    assert partitions["normal"].total == 0 and partitions["normal"].nodes_by_state["idle"] == 1


def _node(name: str, state: str, gres: str = "gpu:a100:4", used: str = "gpu:a100:0(IDX:N/A)") -> str:
    return US.join([name, name, "p", state, gres, used, "0/8/0/8", "1000"]) + US + "\n"


def test_summary_counts_gpus_on_unusable_nodes_as_unavailable():
    text = (
        _node("n1", "idle")
        + _node("n2", "drain")
        + _node("n3", "drng", used="gpu:a100:1(IDX:0)")
        + _node("n4", "idle*")
        + _node("n5", "mix-", used="gpu:a100:2(IDX:0-1)")
        + _node("n6", "maint")
    )
    (summary,) = summarise_partitions(parse_sinfo(text))
    assert summary.gpus_total == {"a100": 24}
    assert summary.gpus_alloc == {"a100": 3}
    assert summary.gpus_unavailable == {"a100": 4 + 3 + 4 + 4}  # n6 in maintenance too
    assert summary.free == 24 - 3 - 15
    assert summary.nodes_by_state == {"idle": 1, "mixed": 1, "allocated": 0, "drained": 2, "down": 1, "other": 1}


@pytest.mark.parametrize(
    ("state", "group"),
    [
        ("idle", "idle"), ("idle~", "idle"), ("idle#", "idle"), ("mix", "mixed"), ("mix-", "mixed"),
        ("alloc", "allocated"), ("comp", "allocated"), ("drain", "drained"), ("drng", "drained"),
        ("drain*", "down"), ("down", "down"), ("down*", "down"), ("fail", "down"), ("inval", "down"),
        ("resv", "other"), ("maint", "other"), ("futr", "other"), ("unk*", "down"),
    ],
)  # fmt: skip
def test_state_groups(state, group):
    assert state_group(state) == group


@pytest.mark.parametrize(
    "text",
    [
        _node("n", "idle").replace("0/8/0/8", "0/8/0"),
        _node("n", "idle").replace("0/8/0/8", "0/\u00b2/0/8"),
        _node("n", "idle", gres="gpu:a100:x"),
        "a1 idle\n",
    ],
)
def test_sinfo_malformed(text):
    with pytest.raises(SlurmParseError):
        parse_sinfo(text)


# ---- GRES -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gpu:mi250x:8", (Gres("gpu", "mi250x", 8),)),
        ("gpu:mi250x:8(S:0-7)", (Gres("gpu", "mi250x", 8, sockets=tuple(range(8))),)),
        ("gpu:(null):4(IDX:0-3)", (Gres("gpu", None, 4, indexes=(0, 1, 2, 3)),)),
        ("gpu:a100:4,gpu:v100:2", (Gres("gpu", "a100", 4), Gres("gpu", "v100", 2))),
        ("(null)", ()),
        ("", ()),
        ("gpu:2", (Gres("gpu", None, 2),)),
        ("gpu:mi250x:2(IDX:0-1)", (Gres("gpu", "mi250x", 2, indexes=(0, 1)),)),
        ("gpu:mi250x:0(IDX:N/A)", (Gres("gpu", "mi250x", 0),)),
        ("gpu:a100:2(S:0,2),shard:a100:8", (Gres("gpu", "a100", 2, sockets=(0, 2)), Gres("shard", "a100", 8))),
        ("gpu", (Gres("gpu", None, 1),)),
        ("bw:lustre:4G", (Gres("bw", "lustre", 4 << 30),)),
    ],
)
def test_parse_gres(text, expected):
    assert parse_gres(text) == expected


@pytest.mark.parametrize("text", ["gpu:a:b:c", "gpu:a100:x", ":4", "gpu:a100:2(S:0", "gpu:a)b:2", "gpu::2"])
def test_parse_gres_malformed(text):
    with pytest.raises(SlurmParseError):
        parse_gres(text)


def test_node_gpu_properties_count_only_gpus():
    node = Node("n", "n", "p", "mix", parse_gres("gpu:a:4,shard:a:16"), parse_gres("gpu:a:1,shard:a:4"), 0, 0, 0, 0)
    assert (node.gpus_total, node.gpus_used) == (4, 1)


# ---- sacct ----------------------------------------------------------------------------------


def test_sacct_timeout_with_steps(accounting):
    record = accounting["1019"]
    assert (record.state, record.elapsed_s, record.time_limit_s) == ("TIMEOUT", 74, 60)
    (batch,) = record.steps
    assert (batch.step_id, batch.state, batch.exit_code) == ("1019.batch", "CANCELLED", "0:15")
    assert batch.max_rss_bytes == 2972 * 1024 and batch.max_vmsize_bytes == 5092 * 1024
    assert record.max_rss_bytes == batch.max_rss_bytes


def test_sacct_cancelled_by_user(accounting):
    record = accounting["1018"]
    assert (record.state, record.state_detail) == ("CANCELLED", "CANCELLED by 1001")


def test_sacct_failed_running_and_odd_limits(accounting):
    assert (accounting["1020"].state, accounting["1020"].exit_code) == ("FAILED", "3:0")
    assert accounting["1001"].end is None  # "Unknown" while running
    assert accounting["1001"].start == "2026-11-28T22:03:49"
    assert accounting["1023"].time_limit_s is None and accounting["1023"].partition_limit  # Partition_Limit
    assert not accounting["1020"].partition_limit
    assert accounting["1013"].work_dir == "/home/hpcuser/hpcsl/my dir"
    assert accounting["1013"].name == "spaced name"
    assert accounting["1003_2"].name == "arr"


def test_sacct_every_step_is_folded_under_its_job(accounting):
    lines = [line for line in fixture("sacct.txt").splitlines() if line]
    assert sum(len(r.steps) for r in accounting.values()) + len(accounting) == len(lines)
    for record in accounting.values():
        assert all(step.step_id.startswith(record.job_id + ".") for step in record.steps)


def test_sacct_orphan_step_and_bad_rows():
    row = US.join(["5.batch", "batch", "", "00:00:01", "", "1K", "2K", "COMPLETED", "0:0", "", "", ""])
    with pytest.raises(SlurmParseError):
        parse_sacct(row + "\n")
    with pytest.raises(SlurmParseError):
        parse_sacct("5|x\n".replace("|", US))


def test_sacct_job_name_with_a_newline_is_one_row():
    records = {r.job_id: r for r in parse_sacct(fixture("sacct_newline_name.txt"), cluster="alpha", warnings=[])}
    assert list(records) == ["18053", "18054"]
    failed = records["18054"]
    assert (failed.name, failed.state, failed.exit_code, failed.partition) == ("new\nline", "FAILED", "3:0", "cpu")
    assert [step.step_id for step in failed.steps] == ["18054.batch"]
    assert records["18053"].state == "RUNNING"


def test_sacct_short_row_the_next_line_does_not_complete_is_rejected_alone():
    job_row = "7" + US + "solo" + fixture("sacct_newline_name.txt").split("\n")[1].removeprefix("line")
    warnings: list[str] = []
    records = parse_sacct(f"6{US}cut\n{job_row}\n", warnings=warnings)
    assert [(r.job_id, r.state) for r in records] == [("7", "RUNNING")]
    assert warnings == [f"expected {len(SACCT_FIELDS)} fields, got 2: {f'6{US}cut'!r}"]


# ---- durations and sizes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("0:05", 5), ("03:04", 184), ("00:00:05", 5), ("1:02:03", 3723), ("1-02:03:04", 93784),
        ("2-00:00:00", 172800), ("30", 1800), ("1-2", 93600), ("1-02:03", 93780),
        ("UNLIMITED", None), ("Partition_Limit", None), ("INVALID", None), ("NOT_SET", None), ("", None),
    ],
)  # fmt: skip
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["1:2:3:4", "a:00", "1-", "-5", "1-x:00", "1:-2", "١:٠٠"])
def test_parse_duration_malformed(text):
    with pytest.raises(SlurmParseError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "size"),
    [("1234K", 1234 * 1024), ("2.5G", int(2.5 * (1 << 30))), ("0", 0), ("512", 512), ("3M", 3 << 20), ("", None)],
)
def test_parse_size(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["K", "12Q", "1e9K", "-1K", "nanK", "1.2.3M"])
def test_parse_size_malformed(text):
    with pytest.raises(SlurmParseError):
        parse_size(text)


# ---- scontrol, sbatch -----------------------------------------------------------------------


def test_scontrol_values_with_spaces_and_odd_keys():
    details = parse_scontrol_job(fixture("scontrol_job.txt"))
    assert details["JobId"] == "1025"
    assert details["JobName"] == "spaced name"
    assert details["Command"] == "my dir/run me.sh"
    assert details["WorkDir"] == "/home/hpcuser/hpcsl/my dir"
    assert details["AllocNode:Sid"] == "localhost:27009"
    assert details["CPUs/Task"] == "1"
    assert details["TRES"] == "cpu=1,mem=256M,node=1,billing=1,gres/gpu=1"
    assert details["GRES"] == "gpu:mi250x:1(IDX:4)"  # from the --details per-node line
    assert details["Power"] == ""
    assert details["JobState"] == "RUNNING"


def test_scontrol_array_task():
    details = parse_scontrol_job(fixture("scontrol_array_task.txt"))
    assert (details["JobId"], details["ArrayJobId"], details["ArrayTaskId"]) == ("1021", "1016", "1")
    assert details["JobName"] == "throttled"


def test_scontrol_free_text_may_contain_key_value_pairs():
    text = "JobId=9 JobName=a b=c Reason=x\n   Comment=keep Nodes=a1 as is\n   NumNodes=1 NumCPUs=2\n"
    details = parse_scontrol_job(text)
    assert details["JobName"] == "a b=c Reason=x"
    assert details["Comment"] == "keep Nodes=a1 as is"
    assert (details["NumNodes"], details["NumCPUs"]) == ("1", "2")


def test_scontrol_only_first_job_of_several():
    text = "JobId=1 JobName=a\n   NumNodes=1\n\nJobId=2 JobName=b\n   NumNodes=2\n"
    assert parse_scontrol_job(text) == {"JobId": "1", "JobName": "a", "NumNodes": "1"}


def test_scontrol_job_name_with_a_newline():
    details = parse_scontrol_job(fixture("scontrol_newline_name.txt"))
    assert details["JobName"] == "new\nline"
    assert (details["JobId"], details["UserId"], details["JobState"]) == ("18054", "hpcuser(1001)", "FAILED")


def test_scontrol_continued_value_keeps_its_spaces_and_pairs():
    text = "JobId=9 JobName=a\n  b c=d\n   UserId=u(1)\n"
    assert parse_scontrol_job(text) == {"JobId": "9", "JobName": "a\n  b c=d", "UserId": "u(1)"}


def test_scontrol_invalid_job_is_a_slurm_error():
    _, status, stderr = fixture_with_stderr("scontrol_invalid_job.txt")
    assert status == 1
    with pytest.raises(SlurmError, match="Invalid job id specified"):
        parse_scontrol_job(stderr)


@pytest.mark.parametrize("text", ["", "no pairs here\n", "NumNodes=1\n"])
def test_scontrol_malformed(text):
    with pytest.raises(SlurmParseError):
        parse_scontrol_job(text)


@pytest.mark.parametrize(
    ("text", "job_id"), [("1234\n", "1234"), ("1234;alpha\n", "1234"), ("Submitted batch job 77\n", "77")]
)
def test_parse_sbatch(text, job_id):
    assert parse_sbatch(text) == job_id


def test_parse_sbatch_refusal():
    with pytest.raises(SlurmError, match="Invalid partition"):
        parse_sbatch("sbatch: error: Batch job submission failed: Invalid partition name specified\n")
    with pytest.raises(SlurmParseError):
        parse_sbatch("")


# ---- poll and error lines -------------------------------------------------------------------


def test_split_poll_real_output():
    sections = split_poll(fixture("poll.txt"))
    assert set(sections) == {"squeue", "sinfo"}
    for section in sections.values():
        assert section.status == 0 and section.stderr == ""
        check_section(section)
    jobs = parse_squeue(sections["squeue"].stdout)
    assert {"1001", "1003_1", "1025"} <= {j.job_id for j in jobs}
    nodes = parse_sinfo(sections["sinfo"].stdout)
    assert [n.name for n in nodes] == ["a1", "a2", "a3"]


def test_split_poll_controller_down():
    sections = split_poll(fixture("poll_controller_down.txt"))
    assert sections["squeue"].status == 1 and sections["squeue"].stdout == ""
    assert sections["sinfo"].stderr == "slurm_load_partitions: Unable to contact slurm controller (connect failure)"
    for section in sections.values():
        with pytest.raises(SlurmError, match="Unable to contact slurm controller"):
            check_section(section)


def test_split_poll_ignores_chatty_startup_files_and_keeps_partial_lines():
    text = "Welcome to the cluster!\n\x1eout squeue\nrow-without-newline\x1eerr squeue 0\n\n"
    (section,) = split_poll(text).values()
    assert (section.name, section.stdout, section.stderr, section.status) == ("squeue", "row-without-newline", "", 0)


@pytest.mark.parametrize(
    "text",
    [
        "\x1eout squeue\nrows\n",  # cut before the err part
        "\x1eout squeue\n\x1eerr sinfo 0\n\n",
        "\x1eout squeue\n\x1eerr squeue x\n\n",
        "\x1ewhat\n",
        "just text\n",
    ],
)
def test_split_poll_malformed(text):
    with pytest.raises(SlurmParseError):
        split_poll(text)


def test_bad_exit_status_alone_is_an_error():
    sections = split_poll("\x1eout sinfo\n\x1eerr sinfo 2\nsomething odd\n")
    with pytest.raises(SlurmError, match="sinfo exited with status 2: something odd"):
        check_section(sections["sinfo"])


def test_invalid_user_is_an_error_despite_exit_status_zero():
    stdout, status, stderr = fixture_with_stderr("squeue_invalid_user.txt")
    assert (stdout, status) == ("", 0)
    with pytest.raises(SlurmError, match="Invalid user: no-such-user"):
        check_errors(stderr)


def test_sacct_database_down():
    _, status, stderr = fixture_with_stderr("sacct_controller_down.txt")
    with pytest.raises(SlurmError) as caught:
        check_errors(stderr)
    assert status == 1 and len(caught.value.lines) == 3
    assert "Connection refused" in str(caught.value)


@pytest.mark.parametrize(
    "line",
    [
        "slurm_load_jobs error: Socket timed out on send/recv operation",
        "sinfo: error: Invalid partition name specified",
        "squeue: fatal: something",
        "error: Invalid --state specification",
        "Unable to contact slurm controller (connect failure)",
        "bash: line 1: squeue: command not found",
        "sh: 1: squeue: not found",
        "env: 'squeue': No such file or directory",
    ],
)
def test_error_lines(line):
    assert is_error_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "squeue: warning: ignoring SQUEUE_SORT",
        "slurm_load_jobs: warning: odd",
        f"1{US}error: in a job name{US}",
        "JobId=1 JobName=error: x",
        "",
        "Submitted batch job 5",
    ],
)
def test_not_error_lines(line):
    assert not is_error_line(line)


# ---- issue 15: the GRES grammar in full, request forms, TRES, shards, host lists -----------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gpu:a100:4(S:0-3),pfsdir:scratch:no_consume:1,gpfs:scratch:no_consume:1",
         (Gres("gpu", "a100", 4, sockets=(0, 1, 2, 3)), Gres("pfsdir", "scratch", 1, no_consume=True),
          Gres("gpfs", "scratch", 1, no_consume=True))),
        ("nsight:no_consume:1", (Gres("nsight", None, 1, no_consume=True),)),
        ("gpu:1g.10gb:2,gpu:3g.40gb:1", (Gres("gpu", "1g.10gb", 2), Gres("gpu", "3g.40gb", 1))),
        ("gpu:nvidia_a100_3g.39gb:1(S:0)", (Gres("gpu", "nvidia_a100_3g.39gb", 1, sockets=(0,)),)),
        ("gpu:4,shard:20", (Gres("gpu", None, 4), Gres("shard", None, 20))),
        ("gpu:a100:2(IDX:0,2-3)", (Gres("gpu", "a100", 2, indexes=(0, 2, 3)),)),
        ("mps:400", (Gres("mps", None, 400),)),
        ("bandwidth:lustre:no_consume:4G", (Gres("bandwidth", "lustre", 4 << 30, no_consume=True),)),
        ("gpu:(null):0(IDX:N/A)", (Gres("gpu", None, 0),)),
        ("gpu:a100", (Gres("gpu", "a100", 1),)),
    ],
)  # fmt: skip
def test_parse_gres_full_grammar(text, expected):
    assert parse_gres(text) == expected


@pytest.mark.parametrize(
    ("changes", "gpus"),
    [
        ({"per_task": "gres/gpu=2", "num_tasks": "2"}, 4),
        ({"per_task": "gres/gpu:a100=2", "num_tasks": "3"}, 6),
        ({"per_node": "gres/gpu=2"}, 4),
        ({"per_job": "gres/gpu:a100=3"}, 3),
        ({"per_socket": "gres:gpu:1", "sockets": "2"}, 4),  # 1 per socket x 2 sockets x 2 nodes
        ({"per_socket": "gres/gpu=1"}, 2),  # sockets not given: at least one per node
        ({"tres": "cpu=4,mem=16G,node=1,billing=4,gres/gpu:p100=1"}, 1),  # typed entries only
        ({"tres": "cpu=8,gres/gpu:a100=2,gres/gpu:v100=2"}, 4),
        ({"tres": "cpu=8,gres/gpumem=40G,gres/gpuutil=100", "per_node": "gres:gpu:1"}, 2),  # not GPUs
    ],
)
def test_squeue_gpu_request_forms(changes, gpus):
    assert parse_squeue(_squeue_row(**changes))[0].gpus == gpus


def test_squeue_first_host_of_a_bracketed_node_list_expands_percent_n():
    job = parse_squeue(_squeue_row(nodes="t006-[007,009-010]", out="/w/%N-%j.out"))[0]
    assert job.stdout == "/w/t006-007-7.out"


@pytest.mark.parametrize(
    ("text", "hosts"),
    [
        ("t006-[007,009-010]", ["t006-007", "t006-009", "t006-010"]),
        ("a[01-03]b[1-2]", ["a01b1", "a01b2", "a02b1", "a02b2", "a03b1", "a03b2"]),
        ("gpu1,cpu[8-10],x", ["gpu1", "cpu8", "cpu9", "cpu10", "x"]),
        ("n[098-100]", ["n098", "n099", "n100"]),
        ("", []),
        ("(null)", []),
    ],
)
def test_expand_hostlist(text, hosts):
    assert expand_hostlist(text) == hosts


@pytest.mark.parametrize("text", ["a[1-", "a]", "a[[1]]", "a[3-1]", "a,,b", "a[x]", "n[0-99999999]"])
def test_expand_hostlist_malformed(text):
    with pytest.raises(SlurmParseError):
        expand_hostlist(text)


def test_first_host_does_not_expand_the_whole_list():
    assert first_host("n[0-999999]") == "n0" and first_host("a[1-") == ""


def test_shards_in_use_make_their_gpus_unavailable_to_a_whole_gpu_job():
    text = _node("n1", "mix", gres="gpu:4,shard:20", used="gpu:1(IDX:0),shard:2(IDX:1-2)")
    (summary,) = summarise_partitions(parse_sinfo(text))
    assert (summary.total, summary.alloc, summary.shared, summary.free) == (4, 1, 2, 1)
    assert summary.gpus_unavailable == {"": 2}  # what the GPU board shows beside "1 free"


def test_mps_without_indexes_counts_one_gpu_per_share_at_most():
    text = _node("n1", "mix", gres="gpu:a100:4,mps:a100:400", used="gpu:a100:3(IDX:0-2),mps:a100:200")
    (summary,) = summarise_partitions(parse_sinfo(text))
    assert (summary.alloc, summary.gpus_shared, summary.free) == (3, {"a100": 1}, 0)


def test_the_documented_shard_line_leaves_one_gpu_free():
    # https://slurm.schedmd.com/gres.html#Shared_GRES_Usage: GPU 0 whole, shards on GPUs 1 and 2.
    text = _node("node0", "mix", gres="gpu:4,shard:20", used="gpu:1(IDX:0),shard:8(-/5,5/5,3/5,0/5)")
    (summary,) = summarise_partitions(parse_sinfo(text))
    assert (summary.total, summary.alloc, summary.unavailable, summary.free) == (4, 1, 2, 1)


# ---- one odd record costs only itself -----------------------------------------------------


def test_bad_rows_are_skipped_with_a_warning_each():
    warnings: list[str] = []
    text = _squeue_row(job="8", unique="8") + _squeue_row(num_nodes="two") + _squeue_row(job="9", unique="9")
    jobs = parse_squeue(text, "c", warnings)
    assert [j.job_id for j in jobs] == ["8", "9"]
    (warning,) = warnings
    assert "'two'" in warning


def test_bad_sinfo_and_sacct_rows_are_skipped_with_a_warning_each():
    warnings: list[str] = []
    nodes = parse_sinfo(_node("n1", "idle") + _node("n2", "idle", gres="gpu:a100:(x") + "garbage\n", warnings)
    assert [n.name for n in nodes] == ["n1"] and len(warnings) == 2
    sacct_warnings: list[str] = []
    good = fixture("sacct.txt")
    records = parse_sacct("12.batch" + US * 11 + "\n" + good, "alpha", sacct_warnings)
    assert len(records) == len(parse_sacct(good)) and "12.batch" in sacct_warnings[0]


def test_a_slurm_error_still_raises_when_warnings_are_collected():
    with pytest.raises(SlurmError):
        parse_squeue("slurm_load_jobs error: Rate limit exceeded, please retry momentarily\n", "c", [])


def test_job_names_with_the_delimiter_or_newlines_are_read_whole():
    text = (
        _squeue_row(name="a\nb")
        + _squeue_row(job="8", unique="8", name=f"x{US}y")
        + _squeue_row(job="9", unique="9", name=f"p{US}\nq")
    )
    assert [(j.job_id, j.name) for j in parse_squeue(text)] == [("7", "a\nb"), ("8", f"x{US}y"), ("9", f"p{US}\nq")]


def test_a_name_with_the_delimiter_then_a_newline_and_a_row_after_it_is_one_name():
    # Read at each newline, the line before the name's newline does not end a row (no
    # delimiter at its end), however many delimiters it holds: not two jobs, nor a cut name.
    name = f"x{US}y\n" + _squeue_row(job="66", unique="66").removesuffix(US + "\n")
    assert [(j.job_id, j.name) for j in parse_squeue(_squeue_row(name=name))] == [("7", name)]


def test_names_with_the_delimiter_beside_a_row_to_skip_are_read_whole_and_the_row_is_told():
    # No newline in a name: the rows are read at each newline, and the unreadable one is
    # then read again with the others, to skip it alone and say why.
    text = _squeue_row(name=f"x{US}y{US}") + _squeue_row(job="8", unique="8", name=f"{US}") + _squeue_row(unique="z")
    with pytest.raises(SlurmParseError, match="JobID"):
        parse_squeue(text)
    warnings: list[str] = []
    jobs = parse_squeue(text, "c", warnings)
    assert [(j.job_id, j.name) for j in jobs] == [("7", f"x{US}y{US}"), ("8", US)]
    assert len(warnings) == 1 and "JobID: expected a whole number" in warnings[0]


def test_a_job_name_that_looks_like_a_slurm_error_is_a_name():
    name = f"x{US}\nslurm_load_jobs error: Unable to contact slurm controller"
    assert [j.name for j in parse_squeue(_squeue_row(name=name))] == [name]


# ---- rate limiting (Slurm 23.02+) -------------------------------------------------------------


def test_rate_limit_is_a_busy_slurm_error():
    # SLURMCTLD_COMMUNICATIONS_BACKOFF's text in src/common/slurm_errno.c, as squeue prints it.
    with pytest.raises(SlurmError) as caught:
        check_errors("slurm_load_jobs error: Rate limit exceeded, please retry momentarily\n")
    assert caught.value.busy
    assert not SlurmError("squeue: error: Invalid user: nobody").busy


def test_parsed_jobs_are_ordinary_complete_immutable_jobs(jobs):
    # The parser builds Jobs with tuple.__new__ (speed): they must be the same thing.
    job = jobs["1001"]
    assert type(job) is Job and Job(**job._asdict()) == job and len(job) == len(Job._fields)
    with pytest.raises(AttributeError):
        job.name = "x"  # type: ignore[misc]
    assert job._replace(name="x").name == "x" and hash(job) == hash(job._replace())


def test_squeue_parser_reuses_the_jobs_of_unchanged_rows_only():
    parser = SqueueParser("c")
    first = parser.parse(_squeue_row(job="8", unique="8") + _squeue_row(job="9", unique="9"))
    second = parser.parse(_squeue_row(job="8", unique="8") + _squeue_row(job="9", unique="9", used="0:05"))
    assert second[0] is first[0]  # same row: the same (immutable) Job, nothing parsed again
    assert second[1] is not first[1] and second[1].time_used_s == 5
    assert parser.parse(_squeue_row(job="9", unique="9", used="0:05"))[0] is second[1]
    assert [j.cluster for j in second] == ["c", "c"]


def test_a_row_with_a_time_used_that_is_no_duration_is_skipped_alone():
    warnings: list[str] = []
    rows = _squeue_row(job="7", unique="7") + _squeue_row(job="8", unique="8", used="1:2:3:4")
    assert [job.job_id for job in parse_squeue(rows, "c", warnings)] == ["7"]
    assert len(warnings) == 1 and warnings[0].startswith("skipped '8': ")


def test_a_repoll_keeps_the_order_and_skips_a_new_row_it_cannot_read():
    parser = SqueueParser("c")
    first = parser.parse(_squeue_row(job="8", unique="8") + _squeue_row(job="9", unique="9"))
    warnings: list[str] = []
    rows = _squeue_row(job="7", unique="7") + _squeue_row(job="8", unique="8")
    rows += _squeue_row(job="x;y", unique="10") + _squeue_row(job="9", unique="9")
    second = parser.parse(rows, warnings)
    assert [job.job_id for job in second] == ["7", "8", "9"]
    assert second[1] is first[0] and second[2] is first[1]
    assert warnings == ["skipped 'x;y': not a job id: 'x;y'"]
    assert [job.job_id for job in parser.parse(rows, [])] == ["7", "8", "9"]
