"""`hpctui choose`: ranking partitions from config facts and snapshots, with reasons."""

from __future__ import annotations

from hpctui.config.model import Cluster, Config, GpuPartition, SshTarget
from hpctui.slurm.models import Job, Node, PartitionGpus, Snapshot
from hpctui.toolkit.choose import NOW, UNKNOWN, WAIT, Request, rank

LUMI = Cluster(
    name="lumi", ssh=SshTarget(host="lumi.example"),
    partitions=(GpuPartition("standard-g", "mi250x", 64, 56, 480), GpuPartition("small", None, None, 128, 224)),
    good_for=("Reliable long GPU runs: most stable, largest budget", "Full model (>16GB VRAM)"),
)  # fmt: skip
SAGA = Cluster(
    name="saga", ssh=SshTarget(host="saga.example"),
    partitions=(GpuPartition("accel", "p100", 16, 24, 384),),
    good_for=("Quick small-model iteration: shorter queues",),
)  # fmt: skip
BETZY = Cluster(
    name="betzy", ssh=SshTarget(host="betzy.example"),
    partitions=(GpuPartition("accel", "a100", 40, 64, 512), GpuPartition("normal", cores_per_node=128, mem_gb_per_node=242)),
    good_for=("CPU preprocessing: 128 cores/node",),
)  # fmt: skip
CONFIG = Config(clusters=(LUMI, SAGA, BETZY))


def gpus(name: str, gpu_type: str, total: int, alloc: int) -> PartitionGpus:
    return PartitionGpus(name, {gpu_type: total}, {gpu_type: alloc}, {"mixed": 1})


def node(name: str, partition: str, idle: int, total: int) -> Node:
    return Node(name, name, partition, "mix", (), (), total - idle, idle, 0, total)


def job(partition: str, state: str = "PENDING") -> Job:
    return Job(
        "1", None, None, "j", "me", partition, state, "Priority", None, None, 1, "", 1, "", None, None, None, None, None
    )


def snapshot(cluster: str, partitions=(), jobs=(), nodes=(), error=None, live=True) -> Snapshot:
    return Snapshot(cluster, tuple(jobs), tuple(nodes), tuple(partitions), nodes_at=1.0 if live else None, error=error)


SNAPSHOTS = [
    snapshot("lumi", [gpus("standard-g", "mi250x", 16, 4)], [job("standard-g")], [node("l1", "small", 100, 128)]),
    snapshot("saga", [gpus("accel", "p100", 8, 8)]),
    snapshot("betzy", [gpus("accel", "a100", 4, 0)], [job("accel,normal", "RUNNING")], [node("b1", "normal", 0, 128)]),
]


def order(choices) -> list[str]:
    return [f"{c.cluster}/{c.partition}" for c in choices]


def test_the_field_notes_reason_line():
    top = rank(CONFIG, SNAPSHOTS, Request(vram_gb=40))[0]
    assert (
        top.reason
        == "lumi/standard-g: 12 of 16 mi250x free, 64 GB VRAM fits 40 GB; 1 of your jobs pending; good for: Full model (>16GB VRAM)"
    )


def test_vram_misfits_rank_last_and_say_why():
    choices = rank(CONFIG, SNAPSHOTS, Request(vram_gb=48))
    assert order(choices) == ["lumi/standard-g", "betzy/accel", "saga/accel"]
    assert [c.fits for c in choices] == [True, False, False]
    assert "40 GB VRAM < 48 GB needed" in choices[1].reason


def test_free_now_beats_waiting_then_fewer_pending_jobs():
    choices = rank(CONFIG, SNAPSHOTS, Request(gpus=2))
    assert order(choices) == ["betzy/accel", "lumi/standard-g", "saga/accel"]
    assert [c.availability for c in choices] == [NOW, NOW, WAIT]
    assert choices[2].reason.startswith("saga/accel: 0 of 8 p100 free")


def test_too_few_gpus_in_the_partition_does_not_fit():
    choices = rank(CONFIG, SNAPSHOTS, Request(gpus=6))
    assert {c.partition for c in choices if not c.fits} == {"accel"}
    assert "only 4 GPUs, 6 wanted" in next(c.reason for c in choices if c.cluster == "betzy")


def test_long_runs_prefer_clusters_good_for_them():
    quiet = [snapshot("lumi", [gpus("standard-g", "mi250x", 16, 0)]), snapshot("betzy", [gpus("accel", "a100", 32, 0)])]
    assert order(rank(CONFIG, quiet, Request(hours=1)))[0] == "betzy/accel"  # most free GPUs
    long_run = rank(CONFIG, quiet, Request(hours=48))
    assert order(long_run)[0] == "lumi/standard-g" and "Reliable long GPU runs" in long_run[0].reason


def test_unreachable_cluster_is_ranked_on_config_facts_with_a_note():
    down = [*SNAPSHOTS[:2], snapshot("betzy", error="Connection refused", live=False)]
    choices = rank(CONFIG, {s.cluster: s for s in down}, Request(vram_gb=24))
    betzy = next(c for c in choices if c.cluster == "betzy")
    assert betzy.availability == UNKNOWN and betzy.fits and betzy.free is None
    assert "not reachable (Connection refused), ranked on config facts: a100, 40 GB VRAM fits 24 GB" in betzy.reason
    assert order(choices) == ["lumi/standard-g", "betzy/accel", "saga/accel"]


def test_no_snapshot_at_all_still_ranks_everything():
    choices = rank(CONFIG, [], Request())
    assert len(choices) == 3 and all(c.availability == UNKNOWN for c in choices)
    assert all("not seen live" in c.reason for c in choices)


def test_cpu_jobs_rank_cpu_partitions_by_idle_cores():
    choices = rank(CONFIG, SNAPSHOTS, Request(cpu_only=True, hours=3))
    assert order(choices) == ["lumi/small", "betzy/normal"]
    assert choices[0].reason.startswith("lumi/small: 100 of 128 cores idle")
    assert "good for: CPU preprocessing" in choices[1].reason and choices[1].availability == WAIT


def test_partitions_the_config_omits_are_ranked_too():
    extra = [snapshot("saga", [gpus("accel", "p100", 8, 0), gpus("a100", "a100", 4, 0)])]
    choices = rank(CONFIG, extra, Request())
    assert "saga/a100" in order(choices)


def test_json_dict_names_the_availability():
    as_dict = rank(CONFIG, SNAPSHOTS, Request(vram_gb=48))[0].as_dict()
    assert as_dict["availability"] == "now" and as_dict["cluster"] == "lumi"
