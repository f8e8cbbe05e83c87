"""Efficiency of ended jobs (pure): the figures seff computes, from sacct output captured in the
lab, and the advice in numbers."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hpctui.slurm import efficiency as efficiency_module
from hpctui.slurm.efficiency import (
    ArraySummary,
    Efficiency,
    EfficiencyIndex,
    allocated_gpus,
    efficiency,
    gpu_utilisation,
    memory_per_node,
    nice_memory,
    nice_time,
    summarise,
    unknown_job_ids,
)
from hpctui.slurm.errors import SlurmParseError
from hpctui.slurm.models import AccountingRecord, AccountingStep
from hpctui.slurm.parse import parse_sacct
from hpctui.slurm.parse.fields import parse_cpu_time

FIXTURE = Path(__file__).parents[1] / "fixtures" / "slurm" / "sacct_efficiency.txt"
GIB = 1 << 30


@pytest.fixture(scope="module")
def records() -> dict[str, AccountingRecord]:
    return {r.job_id: r for r in parse_sacct(FIXTURE.read_text(), "alpha")}


def test_the_efficiency_fields_are_read_from_sacct(records):
    cpu = records["16000"]
    assert (cpu.alloc_cpus, cpu.total_cpu_s, cpu.req_mem, cpu.nnodes) == (2, 15.6, "1G", 1)
    assert cpu.alloc_tres == "billing=2,cpu=2,mem=1G,node=1"
    batch = cpu.steps[0]
    assert batch.tres_usage_in_ave.startswith("cpu=00:00:15") and "mem=316756K" in batch.tres_usage_in_ave


def test_cpu_memory_and_time_as_seff_computes_them(records):
    job = efficiency(records["16000"])
    assert job.cpu_eff == pytest.approx(15.6 / (21 * 2))
    assert job.mem_per_node == GIB and job.max_rss == 316756 * 1024
    assert job.mem_eff == pytest.approx(316756 * 1024 / GIB)
    assert job.time_eff == pytest.approx(21 / 600)
    assert job.figures() == "CPU 37% of 2 · memory 309M of 1.0G (30%) · time 0:21 of 10:00 (4%)"


def test_memory_is_per_node_on_a_two_node_job(records):
    two = records["16003"]
    assert (two.req_mem, two.nnodes) == ("2G", 2)  # 22.05: ReqMem is the whole job's
    assert memory_per_node(two) == GIB


def test_old_req_mem_per_cpu_and_per_node():
    record = AccountingRecord("1", "x", "p", 60, 600, "COMPLETED", "COMPLETED", "0:0", None, None, None)
    assert memory_per_node(replace(record, req_mem="4000Mc", alloc_cpus=8, nnodes=2)) == 4000 * (1 << 20) * 4
    assert memory_per_node(replace(record, req_mem="16Gn", nnodes=2)) == 16 * GIB
    assert memory_per_node(replace(record, req_mem="")) is None


def test_gpu_hours_from_alloc_tres_and_utilisation_from_the_steps(records):
    job = efficiency(records["16001"])
    assert job.gpus == 2 and job.gpu_hours == pytest.approx(12 * 2 / 3600)
    assert job.gpu_util is None  # the lab's fake GPUs are not accounted (no NVML)
    assert allocated_gpus("cpu=8,gres/gpu:a100=2,gres/gpu:v100=1,mem=8G") == 3
    assert allocated_gpus("cpu=8,gres/gpu=4,gres/gpu:a100=4") == 4
    step = AccountingStep("1.0", "python", 60, None, None, "COMPLETED", "0:0", "cpu=00:01:00,gres/gpuutil=23,mem=1G")
    record = AccountingRecord("1", "x", "p", 60, 600, "COMPLETED", "COMPLETED", "0:0", None, None, None, steps=(step,))
    assert gpu_utilisation(record) == 23.0


def test_advice_in_numbers_for_memory_and_cpus(records):
    job = efficiency(records["16000"])
    assert job.suggested == {"mem": "512M"}
    assert job.advice == (
        "asked 1.0G, used 309M at most: --mem=512M next time",
        "kept 0.7 of 2 CPUs busy on average: 1 would do",
    )


def run(**changes: object) -> Efficiency:
    base = Efficiency("1", "x", "COMPLETED", 3600, 86400, 4, 4 * 3600 * 0.9, 64 * GIB, int(9.1 * GIB), 0, None)
    figures = replace(base, **changes)  # type: ignore[arg-type]
    record = AccountingRecord(
        "1", "x", "p", figures.elapsed_s, figures.time_limit_s, figures.state, figures.state, "0:0", None, None, None,
        steps=(AccountingStep("1.batch", "batch", 1, figures.max_rss, None, figures.state, "0:0"),),
        alloc_cpus=figures.cpus, total_cpu_s=figures.cpu_s, req_mem=f"{(figures.mem_per_node or 0) >> 20}M", nnodes=1,
    )  # fmt: skip
    return efficiency(record)


def test_the_briefs_example_and_time_advice():
    job = run()
    assert job.suggested == {"mem": "12G", "time": "01:30:00"}
    assert job.advice[0] == "asked 64.0G, used 9.1G at most: --mem=12G next time"
    assert job.advice[1].startswith("ran 1:00:00 of 1-00:00:00: --time=01:30:00 next time")


def test_failures_ask_for_more_and_small_savings_are_not_advised():
    assert run(state="OUT_OF_MEMORY", max_rss=64 * GIB).suggested["mem"] == "128G"
    assert run(state="TIMEOUT", elapsed_s=86400).suggested["time"] == "1-12:00:00"
    assert run(mem_per_node=12 * GIB, time_limit_s=5400).suggested == {}  # already about right
    assert run(state="RUNNING").advice == ()  # a running job's peak is not known yet


def test_memory_over_or_near_the_request_asks_for_more():
    over = run(mem_per_node=100 << 20, max_rss=609 << 20, time_limit_s=3600 + 600)
    assert over.figures().split(" · ")[1] == "memory 609M of 100M (609%)"
    assert over.suggested == {"mem": "768M"}
    assert over.advice == ("used 609M of 100M: --mem=768M next time",)
    near = run(mem_per_node=10 * GIB, max_rss=int(9.5 * GIB), time_limit_s=3600 + 600)
    assert near.suggested == {"mem": "12G"}
    assert run(mem_per_node=12 * GIB, max_rss=int(10.7 * GIB), time_limit_s=5400).suggested == {}  # 89%: fine


def test_job_ids_accounting_does_not_know_are_named():
    def record(job_id: str) -> AccountingRecord:
        return AccountingRecord(job_id, "a", "p", 60, 600, "COMPLETED", "COMPLETED", "0:0", None, None, None)

    found = [record("7"), record("9_1"), record("9_2"), record("11+0"), record("11+1")]
    assert unknown_job_ids(["7", "9", "9_[1-2]", "9_2", "11", "11+1"], found) == []
    assert unknown_job_ids(["7", "99999999", "9_3"], found[:1]) == ["99999999", "9_3"]
    assert unknown_job_ids(["99999999"], []) == ["99999999"]
    # 12 may be the task 9_2 asked for by its own job id: nothing can be said
    assert unknown_job_ids(["12", "99999999"], [record("9_2")]) == []


def test_nice_values():
    assert [nice_memory(x) for x in (1, 300 << 20, 1.2 * GIB)] == ["256M", "512M", "2G"]
    assert [nice_time(x) for x in (60, 3601, 2 * 86400)] == ["00:05:00", "01:15:00", "2-00:00:00"]


def test_the_rounding_is_in_numbers_and_the_words_say_the_same():
    amounts = (1, 300 << 20, 0.9 * GIB, GIB, 1.2 * GIB)
    assert [efficiency_module._round_mem(x) for x in amounts] == [256 << 20, 512 << 20, GIB, GIB, 2 * GIB]
    assert [nice_memory(x) for x in amounts] == ["256M", "512M", "1024M", "1G", "2G"]  # under 1G stays in M
    assert [efficiency_module._round_time(x) for x in (1, 3599, 3601, 2 * 86400)] == [300, 3600, 4500, 2 * 86400]
    assert nice_time(3599) == "01:00:00"


def test_an_array_is_one_summary_with_its_worst_tasks(records):
    entries = summarise(records.values())
    arrays = [e for e in entries if isinstance(e, ArraySummary)]
    assert [a.array_id for a in arrays] == ["16002"]
    array = arrays[0]
    assert [t.job_id for t in array.tasks] == ["16002_1", "16002_2", "16002_3", "16002_4"]
    assert array.states == {"COMPLETED": 4}
    assert len(array.worst()) == 3
    assert array.figures().startswith("4 tasks (4 COMPLETED) · CPU 0% mean · memory 3.0M at most of 512M")
    assert [e.job_id for e in entries if isinstance(e, Efficiency)] == ["16000", "16001", "16003", "16004"]


def test_failed_tasks_come_first_among_the_worst():
    records = [AccountingRecord(f"9_{i}", "a", "p", 60, 600, s, s, "0:0", None, None, None)
               for i, s in enumerate(("COMPLETED", "FAILED", "COMPLETED"))]  # fmt: skip
    (array,) = summarise(records)
    assert isinstance(array, ArraySummary) and array.worst(1)[0].job_id == "9_1"


def test_an_array_whose_tasks_had_no_limit_of_their_own_says_partition_not_unlimited():
    def task(i: int, limit: int | None, partition_limit: bool) -> AccountingRecord:
        return AccountingRecord(f"9_{i}", "a", "p", 60, limit, "CANCELLED", "CANCELLED", "0:0", None, None, None,
                                partition_limit=partition_limit)  # fmt: skip

    (array,) = summarise([task(1, None, True), task(2, None, True)])
    assert isinstance(array, ArraySummary) and array.figures().endswith("longest 1:00 of partition")
    (unlimited,) = summarise([task(1, None, False), task(2, None, False)])
    assert isinstance(unlimited, ArraySummary) and unlimited.figures().endswith("longest 1:00 of ∞")


def test_cpu_time_forms():
    assert parse_cpu_time("00:15.600") == pytest.approx(15.6)
    assert parse_cpu_time("01:02:03") == 3723
    assert parse_cpu_time("1-00:00:01.5") == pytest.approx(86401.5)
    assert parse_cpu_time("") is None
    assert parse_cpu_time("Unknown") is None  # every spelling of nothing, as sstat's AveCPU reads it
    with pytest.raises(SlurmParseError):
        parse_cpu_time("fast")


def test_the_index_gives_what_summarise_gives_each_computed_once(records, monkeypatch):
    entries = summarise(records.values())
    calls: list[str] = []
    real = efficiency_module.efficiency
    monkeypatch.setattr(efficiency_module, "efficiency", lambda record: calls.append(record.job_id) or real(record))
    index = EfficiencyIndex(records.values())
    for _ in range(3):  # a cursor going over every row three times
        shown = [index.entry(record) for record in records.values()]
        figures = [index.figures(record) for record in records.values()]
    assert sorted(calls) == sorted(records)  # one efficiency per record, whatever the moves
    jobs, array = entries[:-1], entries[-1]  # the array's tasks come last in the fixture
    assert isinstance(array, ArraySummary) and shown[: len(jobs)] == jobs
    assert shown[len(jobs) :] == [array] * len(array.tasks)
    assert all(entry is shown[-1] for entry in shown[len(jobs) :])  # one summary for all its tasks
    assert figures == [efficiency(record) for record in records.values()]
