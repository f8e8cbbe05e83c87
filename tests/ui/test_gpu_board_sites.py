"""Real sites' GRES on the GPU board: a node line whose GRES holds typed ``no_consume`` entries
(as OSC's nodes print it) shows its four A100s, and the cluster's jobs stay live."""

from __future__ import annotations

import dataclasses

import ui_fakes

from hpctui.config.model import GpuPartition
from hpctui.slurm.parse import parse_sinfo, summarise_partitions
from hpctui.ui.widgets.gpu_board import GpuBoard
from hpctui.ui.widgets.job_table import JobTable

D = "\x1f"
OSC_NODE = D.join(["p0201", "p0201", "gpu", "mix", "gpu:a100:4(S:0-3),pfsdir:scratch:no_consume:1,gpfs:scratch:no_consume:1",
                   "gpu:a100:1(IDX:0),pfsdir:0,gpfs:0", "12/36/0/48", "500000", ""])  # fmt: skip


async def test_a_no_consume_node_line_shows_its_gpus_and_the_jobs_stay(make_app) -> None:
    nodes = tuple(parse_sinfo(OSC_NODE + "\n"))
    snapshot = dataclasses.replace(
        ui_fakes.snapshot("alpha", ui_fakes.alpha_jobs()), nodes=nodes, partitions=summarise_partitions(nodes)
    )
    space = ui_fakes.workspace(snapshot)
    alpha = dataclasses.replace(space.config.clusters[0], partitions=(GpuPartition("gpu", "a100", vram_gb=40),))
    space.session("alpha").cluster = alpha
    app = make_app(space)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        board = app.screen.query_one("#cluster-alpha GpuBoard", GpuBoard)
        line = str(board.query_one(".partition").render())
        assert "a100: 3 free / 4 total, 1 allocated" in line
        table = app.screen.query_one("#cluster-alpha JobTable", JobTable)
        assert table.model.n_queued == len(ui_fakes.alpha_jobs())
