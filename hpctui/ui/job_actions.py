"""The job action keys, shared by the queue views and the job details screen.

A class that mixes ``JobActions`` in adds ``JOB_ACTION_BINDINGS`` to its ``BINDINGS`` and
says which jobs the keys act on (``job_targets``); the app opens the screens behind them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding

if TYPE_CHECKING:
    from hpctui.services.cluster import ClusterSession
    from hpctui.slurm.models import Job
    from hpctui.ui.app import HpcApp

JOB_ACTION_BINDINGS = [
    Binding("c", "job_action('cancel')", "Cancel", id="cancel"),
    Binding("R", "job_action('requeue')", "Requeue", show=False, id="requeue"),
    Binding("H", "job_action('hold')", "Hold", show=False, id="hold"),
    Binding("U", "job_action('release')", "Release", show=False, id="release"),
    Binding("s", "resubmit", "Resubmit", show=False, id="resubmit"),
    Binding("l", "log('stdout')", "Log", id="log"),
    Binding("e", "log('stderr')", "Stderr", show=False, id="log_stderr"),
    Binding("p", "postmortem", "Post-mortem", show=False, id="postmortem"),
]


class JobActions:
    app: HpcApp

    def job_targets(self) -> list[tuple[ClusterSession, list[str]]]:
        """The jobs the action keys act on, grouped by cluster (marked rows, else the cursor's)."""
        raise NotImplementedError

    def cursor_job(self) -> Job | None:
        """The squeue row under the cursor, if the view has one: a log can still be found
        from it after the controller has forgotten the job."""
        return None

    def job_session(self) -> ClusterSession | None:
        """The cluster post-mortem looks at: the current job's."""
        targets = self.job_targets()
        return targets[0][0] if targets else None

    def _first_job(self) -> tuple[ClusterSession, str] | None:
        targets = self.job_targets()
        return (targets[0][0], targets[0][1][0]) if targets else None

    def action_job_action(self, verb: str) -> None:
        for session, job_ids in self.job_targets():
            self.app.run_job_action(session, verb, job_ids)

    def action_resubmit(self) -> None:
        if (first := self._first_job()) is not None:
            self.app.open_resubmit(*first)

    def action_log(self, stream: str) -> None:
        if (first := self._first_job()) is not None:
            job = self.cursor_job()
            self.app.open_log(*first, stream=stream, job=job if job is not None and job.job_id == first[1] else None)

    def action_postmortem(self) -> None:
        if (session := self.job_session()) is not None:
            self.app.open_postmortem(session)
