"""The job view's one line on why a queued job is not scheduled (the scheduler's reason)."""

from __future__ import annotations

import httpx
import pytest
from ui_support import ADMIN, make_queue, submit

from armada_core.execution import LeaseCall
from armada_core.executors import Executor, NodeSnapshot
from armada_core.service import ArmadaService

pytestmark = pytest.mark.anyio
NODE = NodeSnapshot("node-1", total={"cpu": 64 * 10**9, "memory": 2**40 * 10**9})


async def test_a_queued_job_shows_why_it_waits(
    service: ArmadaService, admin: httpx.AsyncClient
) -> None:
    await make_queue(service, "a")
    await service.cordon_queue(ADMIN, "a")
    [job_id] = await submit(service, "a", "s")
    before = await admin.get(f"/jobs/{job_id}")
    assert "Not scheduled yet" not in before.text  # no round has looked at it
    await service.lease_job_runs(ADMIN, LeaseCall(Executor("ex", "default", 0, (NODE,)), 10))
    page = await admin.get(f"/jobs/{job_id}")
    assert '<p class="pending">Not scheduled yet: queue cordoned: the queue is cordoned</p>' in (
        page.text
    )
