"""The browsing use cases: bounds checked before storage, and a job's history."""

from __future__ import annotations

import pytest

from armada_core._usecases import browse as browse_usecase
from armada_core.browse import JobFilter, JobOrder, JobQuery, PagePosition
from armada_core.commands import JobSubmitItem, SubmitJobs
from armada_core.config import ServiceConfig
from armada_core.errors import InvalidArgument, NotFound
from armada_core.permissions import Permission, PermissionConfig
from armada_core.principal import Principal
from armada_core.queues import QueueSpec
from armada_core.service import ArmadaService
from armada_storage.memory import MemoryStorage

pytestmark = pytest.mark.anyio
ADMIN = Principal("admin", groups=frozenset({"admins"}))
POD = {
    "containers": [
        {
            "name": "main",
            "image": "busybox",
            "resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "1"}},
        }
    ]
}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def service() -> ArmadaService:
    permissions = PermissionConfig.from_mappings(groups={p.value: ["admins"] for p in Permission})
    service = ArmadaService(MemoryStorage(), config=ServiceConfig(permissions=permissions))
    await service.create_queue(ADMIN, QueueSpec(name="q", priority_factor=1.0))
    return service


async def submit(service: ArmadaService, job_set: str, count: int) -> list[str]:
    item = JobSubmitItem(namespace="default", pod_spec=POD)
    return await service.submit_jobs(ADMIN, SubmitJobs("q", job_set, (item,) * count))


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (JobQuery(limit=0), "page size"),
        (JobQuery(limit=501), "page size"),
        (JobQuery(JobFilter(queue="q" * 300)), "queue name is too long"),
        (JobQuery(JobFilter(job_id="j" * 200)), "job id is too long"),
        (JobQuery(JobFilter(labels=(("k", "v"),) * 9)), "at most 8"),
        (JobQuery(JobFilter(annotations=(("k", "v" * 2000),))), "annotations value"),
        (JobQuery(after=PagePosition("text", 1)), "order submitted"),
        (JobQuery(order=JobOrder.QUEUE, after=PagePosition(5, 1)), "order queue"),
        (JobQuery(order=JobOrder.STATE, after=PagePosition(2**70, 1)), "order state"),
        (JobQuery(order=JobOrder.JOB_ID, after=PagePosition("x" * 3000, 1)), "too long"),
    ],
)
async def test_bad_queries_are_refused_before_storage(
    service: ArmadaService, query: JobQuery, message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message):
        await service.browse_jobs(ADMIN, query)


async def test_history_of_a_job_holds_only_its_events(service: ArmadaService) -> None:
    ids = await submit(service, "s", 3)
    history = await service.job_history(ADMIN, ids[1])
    assert history.complete
    assert [e.event.job_id for e in history.events] == [ids[1], ids[1]]
    assert [e.event.kind.value for e in history.events] == ["submitted", "queued"]


async def test_history_reads_a_bounded_part_of_a_long_log(
    service: ArmadaService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(browse_usecase, "MAX_HISTORY_SCAN", 4)
    monkeypatch.setattr(browse_usecase, "_HISTORY_BATCH", 2)
    ids = await submit(service, "s", 5)  # 10 events in the log
    first = await service.job_history(ADMIN, ids[0])
    assert not first.complete and len(first.events) == 2
    last = await service.job_history(ADMIN, ids[4])
    assert not last.complete and last.events == []


async def test_an_unknown_job_is_not_found(service: ArmadaService) -> None:
    with pytest.raises(NotFound):
        await service.job_history(ADMIN, "01unknown")


async def test_job_changed_reads_only_the_log_after_the_position(
    service: ArmadaService, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = await submit(service, "s", 2)
    history = await service.job_history(ADMIN, ids[0])
    last = str(history.events[-1].id)
    assert not await service.job_changed(ADMIN, ids[0], last)
    assert await service.job_changed(ADMIN, ids[0], "")  # from the start: its own events
    monkeypatch.setattr(browse_usecase, "_HISTORY_BATCH", 2)
    # Only the other job's two events follow, but a full batch cannot tell: "changed".
    assert await service.job_changed(ADMIN, ids[0], last)
    with pytest.raises(InvalidArgument):
        await service.job_changed(ADMIN, ids[0], "not an id")
    with pytest.raises(NotFound):
        await service.job_changed(ADMIN, "01unknown", last)
