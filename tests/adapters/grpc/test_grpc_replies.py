"""Stream replies: the cache of encoded `submitted` events, and what SubmitJobs hands the core."""

from __future__ import annotations

from typing import Any

import pytest
from grpc_support import call_raw, channel_for

from armada_adapters.grpc.replies import SubmittedCache, reply_encoder
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


def _submitted(job_id: str, message_id: str = "1:0:0:0", image: str = "busybox") -> dict[str, Any]:
    pod = {"containers": [{"name": "c", "image": image}]}
    job = {"id": job_id, "queue": "q", "jobSetId": "s", "podSpec": pod}
    body = {"jobId": job_id, "jobSetId": "s", "queue": "q", "created": {"seconds": 5}, "job": job}
    return {"id": message_id, "message": {"submitted": body}}


def test_a_known_submitted_event_comes_from_the_cache_unchanged() -> None:
    cache = SubmittedCache(capacity=8)
    item = _submitted("j1")
    first = cache.encode(item, ESM)
    assert len(cache) == 1
    second = cache.encode(item, ESM)
    assert second == first == from_json(item, ESM)
    assert second is not first  # every caller gets its own message


def test_an_entry_serves_only_the_event_it_was_made_from() -> None:
    cache = SubmittedCache(capacity=8)
    cache.encode(_submitted("j1", "1:0:0:0", image="a"), ESM)
    other = _submitted("j1", "2:0:0:0", image="b")
    assert cache.encode(other, ESM) == from_json(other, ESM)


def test_the_cache_keeps_the_most_recently_used_entries_only() -> None:
    cache = SubmittedCache(capacity=2)
    for job_id in ("a", "b"):
        cache.encode(_submitted(job_id), ESM)
    cache.encode(_submitted("a"), ESM)  # "a" is now the most recent
    cache.encode(_submitted("c"), ESM)  # evicts "b"
    assert len(cache) == 2
    assert set(cache._entries) == {"a", "c"}


@pytest.mark.parametrize(
    "item",
    [
        {"id": "1:0:0:0", "message": {"queued": {"jobId": "j", "queue": "q"}}},
        {"id": "1:0:0:0", "message": {"submitted": {"jobId": "j", "queue": "q"}}},  # no job
        {"message": {"submitted": {"jobId": "", "job": {}}}},
        {"id": "x"},
    ],
)
def test_other_items_are_encoded_and_not_kept(item: dict[str, Any]) -> None:
    cache = SubmittedCache(capacity=8)
    assert cache.encode(item, ESM) == from_json(item, ESM)
    assert len(cache) == 0


def test_a_cache_of_size_zero_keeps_nothing() -> None:
    cache = SubmittedCache(capacity=0)
    assert cache.encode(_submitted("j1"), ESM) == from_json(_submitted("j1"), ESM)
    assert len(cache) == 0


def test_only_event_streams_go_through_the_cache() -> None:
    cache = SubmittedCache(capacity=8)
    queue_message = message_class("api.StreamingQueueMessage")
    item = {"Event": {"end": {}}}
    assert reply_encoder(queue_message, cache)(item) == from_json(item, queue_message)
    assert reply_encoder(ESM, cache)(_submitted("j1")) == from_json(_submitted("j1"), ESM)
    assert len(cache) == 1


@pytest.mark.anyio
async def test_a_second_replay_sends_the_same_events(service: ArmadaService) -> None:
    cache = SubmittedCache(capacity=100)
    user = Principal(name="anonymous")
    await service.create_queue(user, _queue("q"))
    items = [{"podSpec": POD, "clientId": str(i)} for i in range(3)]
    request = {"queue": "q", "jobSetId": "s", "jobRequestItems": items}
    async with channel_for(service, submitted_cache=cache) as channel:
        await call_raw(channel, "/api.Submit/SubmitJobs", _request(request))
        replays = [
            await call_raw(channel, "/api.Event/GetJobSetEvents", _job_set("q", "s"))
            for _ in range(2)
        ]
    assert len(cache) == 3
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
