"""Fixtures of the log-tail lab tests (no tests here): import ``jobs`` and ``session``."""

from __future__ import annotations

import pytest
from test_actions_support import LabJobs

from hpctui.services.cluster import ClusterSession


@pytest.fixture
def jobs(lab):
    """Submit jobs on alpha as hpcuser; every one is cancelled at the end."""
    jobs = LabJobs(lab, "alpha")
    yield jobs
    jobs.cleanup()


@pytest.fixture
async def session(lab):
    """A real ClusterSession to alpha, link only (no poller: the tests ask for what they need)."""
    session = ClusterSession(lab.config.cluster("alpha"))
    await session.link.start()
    await session.link.wait_connected(20)
    yield session
    await session.link.close()
