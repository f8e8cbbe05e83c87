"""How long the Slurm parsers take on a big cluster's output. Prints figures, asserts nothing.

    python bench/parse_bench.py [--jobs 100000] [--nodes 2000]

The inputs are made from the real rows captured from the lab (tests/fixtures/slurm), with
ids and node names renumbered, so they have the exact shape squeue and sinfo print.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from hpctui.slurm.formats import DELIMITER, GROUP_END, SQUEUE_OWN_FIELDS
from hpctui.slurm.parse import SqueueParser, parse_sinfo, parse_squeue, summarise_partitions

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "slurm"
NODE_STATES = ("mix", "alloc", "idle", "drain", "mix-", "drng", "down*", "idle~")


def fixture_rows(name: str) -> list[list[str]]:
    lines = (FIXTURES / name).read_text().split("\n")
    return [line.split(DELIMITER) for line in lines if line]


def squeue_text(count: int) -> str:
    """``count`` squeue rows cycling through the fixture's jobs, each with its own id."""
    templates = [line.split(GROUP_END) for line in (FIXTURES / "alpha_squeue.txt").read_text().split("\n") if line]
    out = []
    for number in range(count):
        shared, own = templates[number % len(templates)]
        fields = own.split(DELIMITER)
        job_id = str(2_000_000 + number)
        if fields[3] != "N/A":  # array task: keep the task id, give it a new array
            fields[0], fields[2] = f"{job_id}_{fields[3]}", job_id
        else:
            fields[0] = fields[2] = job_id
        fields[1] = job_id
        out.append(shared + GROUP_END + DELIMITER.join(fields))
    return "\n".join(out) + "\n"


def sinfo_text(count: int) -> str:
    """``count`` GPU and CPU nodes in four partitions, in a spread of states."""
    templates = fixture_rows("alpha_sinfo.txt") + fixture_rows("beta_sinfo.txt")
    out = []
    for number in range(count):
        fields = list(templates[number % len(templates)])
        fields[0] = f"n{number:05d}"
        fields[3] = NODE_STATES[number % len(NODE_STATES)]
        out.append(DELIMITER.join(fields))
    return "\n".join(out) + "\n"


def with_time_used_changed(text: str, every: int) -> str:
    """``text`` with the TimeUsed of every ``every``-th row changed, as a poll later shows."""
    lines = text.split("\n")
    column = SQUEUE_OWN_FIELDS.index("TimeUsed")
    for number in range(0, len(lines) - 1, every):
        shared, own = lines[number].split(GROUP_END)
        fields = own.split(DELIMITER)
        fields[column] = "9:59"
        lines[number] = shared + GROUP_END + DELIMITER.join(fields)
    return "\n".join(lines)


def repoll_ms(first: str, then: str, rounds: int = 5) -> float:
    """Best time to parse ``then`` with a SqueueParser that has just parsed ``first``."""
    times = []
    for _ in range(rounds):
        parser = SqueueParser("bench")
        parser.parse(first)
        start = time.perf_counter()
        parser.parse(then)
        times.append(time.perf_counter() - start)
    return min(times) * 1000


def best_ms(action: Callable[[], object], rounds: int = 5) -> float:
    """Best time of ``action``; what it returns is freed after the clock stops (freeing the
    last poll's jobs is no part of parsing this one's)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
        del result
    return min(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--nodes", type=int, default=2_000)
    args = parser.parse_args()
    jobs_text, nodes_text = squeue_text(args.jobs), sinfo_text(args.nodes)
    nodes = parse_sinfo(nodes_text)
    if len(parse_squeue(jobs_text)) != args.jobs or len(nodes) != args.nodes:
        raise SystemExit("the generated input does not parse to the expected number of rows")
    print(f"squeue input: {args.jobs} jobs, {len(jobs_text) / 1e6:.1f} MB; sinfo input: {args.nodes} nodes")
    print(f"parse_squeue          {best_ms(lambda: parse_squeue(jobs_text, 'bench')):8.1f} ms  (best of 5)")
    changed = with_time_used_changed(jobs_text, every=10)
    print(f"  next poll, same rows {repoll_ms(jobs_text, jobs_text):7.1f} ms  (the poller's SqueueParser)")
    print(f"  next poll, 10% new   {repoll_ms(jobs_text, changed):7.1f} ms")
    print(f"parse_sinfo           {best_ms(lambda: parse_sinfo(nodes_text)):8.1f} ms  (best of 5)")
    print(f"summarise_partitions  {best_ms(lambda: summarise_partitions(nodes)):8.1f} ms  (best of 5)")


if __name__ == "__main__":
    main()
