"""NoticeFeed: every session's snapshots into the NoticeEngine; the sacct confirmations.

The feed is the engine's only I/O: it subscribes to each cluster's poller (no poll of its
own), tells the engine whether the link is connected, and when jobs left the queue without an
end the controller showed, asks the session's ``Endings`` about them (one sacct shared with
the tables; what is still unconfirmed is asked again after the next poll). Owned by whoever shows the notices:
the TUI's app, or `hpctui watch`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from hpctui.errors import UserError
from hpctui.format import some_ids
from hpctui.services.notices import Notice, NoticeEngine
from hpctui.slurm.errors import SlurmProblem
from hpctui.slurm.models import Snapshot
from hpctui.ssh.types import LinkError, LinkState

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession

log = logging.getLogger(__name__)


class NoticeFeed:
    """Call ``start()`` on the event loop; ``stop()`` unsubscribes and ends the sacct tasks."""

    def __init__(
        self,
        sessions: Mapping[str, ClusterSession],
        engine: NoticeEngine,
        on_notices: Callable[[list[Notice]], None],
    ) -> None:
        """``on_notices`` gets the notices of one snapshot (or one sacct answer) together."""
        self._sessions = sessions
        self.engine = engine
        self._on_notices = on_notices
        self._unsubscribe: list[Callable[[], None]] = []
        self._confirming: dict[str, asyncio.Task[None]] = {}

    def start(self) -> None:
        """Follow every poller, its latest poll first: the first one usually lands before the
        app that owns the feed is up, and a job that ends right after it must still be told."""
        for session in self._sessions.values():
            self._unsubscribe.append(session.poller.subscribe(self._observer(session)))
            self.observe(session, session.poller.latest)

    def _observer(self, session: ClusterSession) -> Callable[[Snapshot], None]:
        return lambda snapshot: self.observe(session, snapshot)

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        tasks = list(self._confirming.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def observe(self, session: ClusterSession, snapshot: Snapshot) -> None:
        connected = session.link.status.state is LinkState.CONNECTED
        observation = self.engine.observe(snapshot, connected)
        self._tell(observation.notices)
        if observation.confirm and session.name not in self._confirming:
            task = asyncio.get_running_loop().create_task(self._confirm(session, observation.confirm))
            self._confirming[session.name] = task
            task.add_done_callback(lambda _: self._confirming.pop(session.name, None))

    async def _confirm(self, session: ClusterSession, job_ids: tuple[str, ...]) -> None:
        try:
            records = list((await session.endings.lookup(job_ids)).values())
        except (LinkError, SlurmProblem, UserError) as error:
            log.warning(
                "%s: sacct for %s: %s (asked again after the next poll)", session.name, some_ids(job_ids), error
            )
            return
        self._tell(self.engine.confirm(session.name, job_ids, records))

    def _tell(self, notices: Iterable[Notice]) -> None:
        batch = list(notices)
        if batch:
            self._on_notices(batch)
