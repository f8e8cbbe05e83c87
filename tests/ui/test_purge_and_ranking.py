"""The purge badge (status lines of the cluster tab and the overview) and the overview's
"Where to run" ranking, on deterministic data: the purge check's find answer is built with
the real command builder and parsed by the real parser."""

from __future__ import annotations

import asyncio
import dataclasses

from ui_fakes import ALPHA_PURGE, FakeLink, alpha_jobs, cluster, purge_answer, snapshot
from waiting import eventually

from hpctui.services.purge_watch import PurgeWatch
from hpctui.ssh.types import LinkState, LinkStatus
from hpctui.toolkit.choose import NOW as START_NOW
from hpctui.toolkit.choose import WAIT
from hpctui.ui.widgets.status_line import StatusLine
from hpctui.ui.widgets.where_to_run import WhereToRun

SIZE = (160, 40)
GIB = 1024**3


def line_texts(app, selector: str) -> list[str]:
    return [str(line.render()) for line in app.screen.query(selector).results(StatusLine)]


async def test_files_at_risk_show_a_badge_in_the_cluster_tab_and_the_overview(make_app) -> None:
    app = make_app(alpha_purge=ALPHA_PURGE)
    alpha = app.workspace.session("alpha")
    alpha.link.answers = {answer.command: answer for answer in [purge_answer({
        "/scratch/hpcuser/old-run/ckpt.pt": (100.0, 2 * GIB),
        "/scratch/hpcuser/old-run/log.txt": (95.0, 1024),
        "/scratch/hpcuser/data/shard0": (84.0, GIB),
    })]}  # fmt: skip
    assert set(app.purge_watches) == {"alpha"}  # beta has no purge policy
    async with app.run_test(size=SIZE) as pilot:
        outcome = await app.purge_watches["alpha"].check()
        await pilot.pause()
        assert outcome.badge == "purge: 3 files, 3.0 GiB"
        assert f"⚠ {outcome.badge}" in line_texts(app, "#cluster-alpha StatusLine")[0]
        await pilot.press("0")
        await pilot.pause()
        alpha_line, beta_line = line_texts(app, "#overview StatusLine")
        assert f"⚠ {outcome.badge}" in alpha_line and "purge" not in beta_line


async def test_nothing_at_risk_shows_no_badge_and_a_failed_check_shows_quietly(make_app) -> None:
    app = make_app(alpha_purge=ALPHA_PURGE)
    alpha = app.workspace.session("alpha")
    answer = purge_answer({})
    alpha.link.answers = {answer.command: answer}
    async with app.run_test(size=SIZE) as pilot:
        outcome = await app.purge_watches["alpha"].check()
        await pilot.pause()
        assert outcome.badge is None and outcome.error is None
        assert "purge" not in line_texts(app, "#cluster-alpha StatusLine")[0]
        alpha.link.answers = {}
        outcome = await app.purge_watches["alpha"].check()
        await pilot.pause()
        assert outcome.error == "alpha: connection lost"
        text = line_texts(app, "#cluster-alpha StatusLine")[0]
        assert "purge check failed: alpha: connection lost" in text and "⚠" not in text


async def test_where_to_run_ranks_for_one_gpu_and_follows_the_snapshots(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("0")
        await pilot.pause()
        where = app.screen.query_one(WhereToRun)
        text = str(where.render())
        assert text.startswith("Where to run 1 GPU")
        # Both can start a 1-GPU job now; beta first: fewer of the user's jobs pending there.
        assert [(c.cluster, c.partition, c.availability) for c in where.choices] == [
            ("beta", "accel", START_NOW), ("alpha", "gpu", START_NOW)]  # fmt: skip
        lines = text.splitlines()[1:]
        assert lines[0].endswith("beta/accel: 3 of 8 a100 free, 40 GB VRAM per GPU; 1 of your jobs pending")
        assert lines[1].endswith("alpha/gpu: 11 of 16 mi250x free, 64 GB VRAM per GPU; 3 of your jobs pending")
        app.workspace.session("alpha").poller.set(
            snapshot("alpha", tuple(j for j in alpha_jobs() if j.state != "PENDING"))
        )
        await pilot.pause()
        assert [c.cluster for c in where.choices] == ["alpha", "beta"]
        full = dataclasses.replace(
            snapshot("beta", ()),
            partitions=tuple(dataclasses.replace(p, gpus_alloc={"a100": 4}) for p in snapshot("beta", ()).partitions),
        )
        app.workspace.session("beta").poller.set(full)
        await pilot.pause()
        beta = next(c for c in where.choices if c.cluster == "beta")
        assert beta.availability == WAIT and "0 of 8 a100 free" in str(where.render())


async def test_the_watch_checks_once_the_link_is_up_then_not_again_for_hours() -> None:
    link = FakeLink(LinkStatus("alpha", LinkState.CONNECTING))
    answer = purge_answer({"/scratch/hpcuser/old/a.bin": (88.0, 2048)})
    link.answers = {answer.command: answer}
    watch = PurgeWatch(link, cluster("alpha", "gpu", "mi250x", purge=ALPHA_PURGE), delay_s=0.01)
    seen = []
    watch.subscribe(seen.append)
    watch.start()
    try:
        await asyncio.sleep(0.2)
        assert seen == [] and watch.latest is None
        link.set(LinkStatus("alpha", LinkState.CONNECTED))
        await eventually(lambda: seen)
        assert [outcome.badge for outcome in seen] == ["purge: 1 files, 2.0 KiB"]
        link.set(LinkStatus("alpha", LinkState.BACKING_OFF))
        link.set(LinkStatus("alpha", LinkState.CONNECTED))  # a reconnect does not re-run the find
        await asyncio.sleep(0.2)
        assert len(seen) == 1 and watch.latest is seen[0]
    finally:
        await watch.stop()
