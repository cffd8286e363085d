"""Stream replies: replays send the same events, and what SubmitJobs hands the core."""

from __future__ import annotations

from typing import Any

import pytest
from grpc_support import call_raw, channel_for

from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pool import message_class
from armada_core.commands import SubmitJobs
from armada_core.principal import Principal
from armada_core.queues import QueueSpec
from armada_core.service import ArmadaService

ESM = message_class("api.EventStreamMessage")
RESOURCES = {"cpu": "100m", "memory": "64Mi"}
POD = {
    "containers": [
        {"name": "c", "image": "busybox", "resources": {"requests": RESOURCES, "limits": RESOURCES}}
    ]
}


@pytest.mark.anyio
async def test_a_second_replay_sends_the_same_events(service: ArmadaService) -> None:
    user = Principal(name="anonymous")
    await service.create_queue(user, _queue("q"))
    items = [{"podSpec": POD, "clientId": str(i)} for i in range(3)]
    request = {"queue": "q", "jobSetId": "s", "jobRequestItems": items}
    async with channel_for(service) as channel:
        await call_raw(channel, "/api.Submit/SubmitJobs", _request(request))
        replays = [
            await call_raw(channel, "/api.Event/GetJobSetEvents", _job_set("q", "s"))
            for _ in range(2)
        ]
    first, second = ([to_json(m) for m in r.messages] for r in replays)
    assert first == second
    assert [next(iter(m["message"])) for m in first] == ["submitted", "queued"] * 3


@pytest.mark.anyio
async def test_submit_hands_the_core_each_pod_spec_size(
    service: ArmadaService, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[SubmitJobs] = []
    real = service.submit_jobs

    async def spy(principal: Principal, command: SubmitJobs) -> list[str]:
        seen.append(command)
        return await real(principal, command)

    monkeypatch.setattr(service, "submit_jobs", spy)
    await service.create_queue(Principal(name="anonymous"), _queue("q"))
    request = _request({"queue": "q", "jobSetId": "s", "jobRequestItems": [{"podSpec": POD}]})
    async with channel_for(service) as channel:
        reply = await call_raw(channel, "/api.Submit/SubmitJobs", request)
    assert reply.error is None
    size = request.job_request_items[0].pod_spec.ByteSize()  # type: ignore[attr-defined]
    assert [item.pod_spec.size() for item in seen[0].items] == [size]  # type: ignore[union-attr]


def _queue(name: str) -> QueueSpec:
    return QueueSpec(name=name, priority_factor=1.0)


def _request(data: dict[str, Any]) -> Any:
    return from_json(data, message_class("api.JobSubmitRequest"))


def _job_set(queue: str, job_set: str) -> Any:
    return from_json({"queue": queue, "id": job_set}, message_class("api.JobSetRequest"))
