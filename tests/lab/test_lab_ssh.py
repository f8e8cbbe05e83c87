"""The lab answers like two different clusters over plain asyncssh (no hpctui code involved)."""

from __future__ import annotations

import asyncssh
import pytest

pytestmark = pytest.mark.lab

# cluster -> (its GPU partition, the GPU type its nodes carry, its default partition)
EXPECTED = {
    "alpha": ("gpu", "mi250x", "gpu"),
    "beta": ("accel", "a100", "normal"),
}


async def run_on(lab, cluster: str, command: str) -> str:
    async with asyncssh.connect(
        cluster,
        config=[str(lab.ssh_config)],
        known_hosts=str(lab.known_hosts),
        client_keys=[str(lab.identity)],
    ) as conn:
        result = await conn.run(command, check=True, timeout=30)
    return result.stdout


def partition_gres(sinfo_output: str) -> dict[str, set[str]]:
    """'PARTITION|GRES' lines -> partition name -> set of gres strings (default marked '*')."""
    table: dict[str, set[str]] = {}
    for line in sinfo_output.splitlines():
        partition, gres = line.split("|")
        table.setdefault(partition, set()).add(gres)
    return table


@pytest.mark.parametrize("cluster", sorted(EXPECTED))
async def test_each_cluster_has_its_own_partitions_and_gpus(lab, cluster):
    gpu_partition, gpu_type, default = EXPECTED[cluster]
    table = partition_gres(await run_on(lab, cluster, "sinfo -h -N -o '%P|%G'"))
    assert f"{default}*" in table, table
    gpu_key = gpu_partition + ("*" if gpu_partition == default else "")
    assert any(f"gpu:{gpu_type}:" in gres for gres in table[gpu_key]), table
    other = {"mi250x", "a100"} - {gpu_type}
    assert not any(t in gres for gres_set in table.values() for gres in gres_set for t in other)


@pytest.mark.parametrize("cluster", sorted(EXPECTED))
async def test_sacct_answers_for_its_own_cluster(lab, cluster):
    # check=True in run_on: sacct must exit 0, i.e. slurmdbd answered.
    out = await run_on(lab, cluster, "sacct -X -P -S now-7days -o Cluster,JobID")
    header, *rows = out.splitlines()
    assert header == "Cluster|JobID"
    assert all(row.split("|")[0] == cluster for row in rows), rows


async def test_ssh_sessions_carry_the_cluster_slurm_conf(lab):
    confs = {c: (await run_on(lab, c, "echo $SLURM_CONF")).strip() for c in EXPECTED}
    assert confs == {c: str(lab.slurm_conf(c)) for c in EXPECTED}
