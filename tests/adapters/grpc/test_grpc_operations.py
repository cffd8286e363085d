"""Every RPC through the real operation table and core, in memory (no socket).

Queue calls use the betterproto2 stubs (what a typed Python client sends); job
calls send Go-JSON requests converted to upb messages, which keeps pod specs short.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from grpc_support import RawReply, call_raw, channel_for
from grpclib.client import Channel
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from armada_adapters.grpc._betterproto import api
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.operations import OPERATIONS
from armada_adapters.wire.pool import message_class
from armada_core.service import ArmadaService

pytestmark = pytest.mark.anyio

RESOURCES = {"cpu": "100m", "memory": "64Mi"}
POD_SPEC = {
    "containers": [
        {
            "name": "main",
            "image": "busybox",
            "resources": {"requests": RESOURCES, "limits": RESOURCES},
        }
    ]
}


@pytest.fixture
async def channel(service: ArmadaService) -> AsyncIterator[Channel]:
    async with channel_for(service) as ch:
        yield ch


async def call(channel: Channel, path: str, request: dict[str, Any] | None = None) -> RawReply:
    """Call `path` with a Go-JSON request; raise the GRPCError if it failed."""
    request_type = message_class(OPERATIONS[path].request_type_name)
    reply = await call_raw(channel, path, from_json(request or {}, request_type))
    if reply.error is not None:
        raise reply.error
    return reply


async def reply_json(channel: Channel, path: str, request: dict[str, Any] | None = None) -> Any:
    reply = await call(channel, path, request)
    return (
        to_json(reply.messages[0])
        if len(reply.messages) == 1
        else [to_json(m) for m in reply.messages]
    )


async def make_queue(channel: Channel, name: str = "q") -> None:
    await api.QueueServiceStub(channel).create_queue(api.Queue(name=name, priority_factor=1.0))


async def submit(
    channel: Channel, count: int = 1, *, client_id: str = "", job_set: str = "s"
) -> list[str]:
    items = [{"namespace": "ns", "clientId": client_id, "podSpec": POD_SPEC} for _ in range(count)]
    body = await reply_json(
        channel,
        "/api.Submit/SubmitJobs",
        {"queue": "q", "jobSetId": job_set, "jobRequestItems": items},
    )
    return [item["jobId"] for item in body["jobResponseItems"]]


async def events(
    channel: Channel, job_set: str = "s", after: str = ""
) -> list[api.EventStreamMessage]:
    request = api.JobSetRequest(queue="q", id=job_set, from_message_id=after)
    return [m async for m in api.EventStub(channel).get_job_set_events(request)]


# ---- queues ------------------------------------------------------------------------------


async def test_queue_lifecycle_on_both_services(channel: Channel) -> None:
    stubs = [api.QueueServiceStub(channel), api.SubmitStub(channel)]
    for i, stub in enumerate(stubs):
        await stub.create_queue(api.Queue(name=f"q{i}", priority_factor=1.0))
        await stub.create_queue(api.Queue(name=f"q{i}", priority_factor=2.0))  # upsert
        await stub.update_queue(api.Queue(name=f"q{i}", priority_factor=3.0))
        got = await stub.get_queue(api.QueueGetRequest(name=f"q{i}"))
        assert (got.name, got.priority_factor) == (f"q{i}", 3.0)
    stream = [m async for m in stubs[1].get_queues(api.StreamingQueueGetRequest())]
    assert [m.queue.name for m in stream[:-1] if m.queue] == ["q0", "q1"]
    assert stream[-1].end is not None and stream[-1].queue is None


async def test_get_queues_honours_num_and_still_ends_with_the_marker(channel: Channel) -> None:
    for name in ("b", "a", "c"):
        await make_queue(channel, name)
    stream = await reply_json(channel, "/api.QueueService/GetQueues", {"num": 2})
    assert stream == [
        {
            "Event": {
                "queue": {
                    "name": "a",
                    "priorityFactor": 1.0,
                    "permissions": stream[0]["Event"]["queue"]["permissions"],
                }
            }
        },
        {"Event": {"queue": stream[1]["Event"]["queue"]}},
        {"Event": {"end": {}}},
    ]
    assert stream[1]["Event"]["queue"]["name"] == "b"


async def test_update_of_a_missing_queue_and_get_of_one_are_not_found(channel: Channel) -> None:
    stub = api.QueueServiceStub(channel)
    with pytest.raises(GRPCError) as update:
        await stub.update_queue(api.Queue(name="nope", priority_factor=1.0))
    with pytest.raises(GRPCError) as get:
        await stub.get_queue(api.QueueGetRequest(name="nope"))
    assert update.value.status is get.value.status is Status.NOT_FOUND


async def test_batch_create_reports_failures_per_item(channel: Channel) -> None:
    result = await api.QueueServiceStub(channel).create_queues(
        api.QueueList(queues=[api.Queue(name="ok", priority_factor=1.0), api.Queue(name="bad")])
    )
    assert [f.queue.name for f in result.failed_queues if f.queue] == ["bad"]
    assert result.failed_queues[0].error.startswith("rpc error: code = InvalidArgument desc = ")
    await api.QueueServiceStub(channel).get_queue(api.QueueGetRequest(name="ok"))


async def test_delete_is_refused_while_jobs_are_active_and_missing_is_ok(channel: Channel) -> None:
    await make_queue(channel)
    await submit(channel)
    with pytest.raises(GRPCError) as refused:
        await call(channel, "/api.Submit/DeleteQueue", {"name": "q"})
    assert refused.value.status is Status.FAILED_PRECONDITION
    await call(channel, "/api.QueueService/DeleteQueue", {"name": "never-existed"})


async def test_cordon_and_uncordon(channel: Channel) -> None:
    await make_queue(channel)
    await call(channel, "/api.QueueService/CordonQueue", {"name": "q"})
    assert (await reply_json(channel, "/api.QueueService/GetQueue", {"name": "q"}))["cordoned"]
    await call(channel, "/api.QueueService/UncordonQueue", {"name": "q"})
    assert "cordoned" not in await reply_json(channel, "/api.QueueService/GetQueue", {"name": "q"})


async def test_cancel_and_preempt_on_queue(channel: Channel) -> None:
    await make_queue(channel)
    await submit(channel)
    await call(channel, "/api.QueueService/CancelOnQueue", {"name": "q", "jobStates": [0]})
    await call(channel, "/api.QueueService/PreemptOnQueue", {"name": "q"})
    kinds = [m.message.to_dict() for m in await events(channel)]
    assert any("cancelled" in k or "cancelling" in k for k in kinds)


async def test_legacy_queue_info_counts_queued_jobs(channel: Channel) -> None:
    await make_queue(channel)
    empty = await api.SubmitStub(channel).get_queue_info(api.QueueInfoRequest(name="q"))
    assert (empty.name, empty.active_job_sets) == ("q", [])
    await submit(channel, 2)
    info = await reply_json(channel, "/api.Submit/GetQueueInfo", {"name": "q"})
    assert info == {"name": "q", "activeJobSets": [{"name": "s", "queuedJobs": 2}]}


async def test_health_on_submit_and_event(channel: Channel) -> None:
    assert (
        await api.SubmitStub(channel).health()
    ).status == api.HealthCheckResponseServingStatus.SERVING
    assert (
        await api.EventStub(channel).health()
    ).status == api.HealthCheckResponseServingStatus.SERVING


# ---- jobs ---------------------------------------------------------------------------------


async def test_submit_returns_ids_in_order_and_dedups_by_client_id(channel: Channel) -> None:
    await make_queue(channel)
    ids = await submit(channel, 3)
    assert len(set(ids)) == 3 and all(len(i) == 26 and i == i.lower() for i in ids)
    first = await submit(channel, client_id="c-1")
    assert await submit(channel, client_id="c-1") == first


async def test_fields_unknown_to_our_schema_come_back_in_the_submitted_event(
    channel: Channel,
) -> None:
    await make_queue(channel)
    request_type = message_class("api.JobSubmitRequest")
    request = from_json(
        {
            "queue": "q",
            "jobSetId": "s",
            "jobRequestItems": [{"namespace": "ns", "podSpec": POD_SPEC}],
        },
        request_type,
    )
    unknown = b"\xb8\x3e\x07"  # field 999, varint 7: not in Kubernetes' PodSpec
    request.job_request_items[0].pod_spec.MergeFromString(unknown)
    reply = await call_raw(channel, "/api.Submit/SubmitJobs", request)
    assert reply.error is None
    submitted = (await events(channel))[0].message.submitted
    assert submitted is not None and submitted.job is not None
    assert unknown in bytes(submitted.job.pod_spec)


async def test_submit_errors(channel: Channel) -> None:
    with pytest.raises(GRPCError) as missing:
        await submit(channel)
    assert missing.value.status is Status.NOT_FOUND
    await make_queue(channel)
    bad = {"queue": "q", "jobSetId": "s", "jobRequestItems": [{"namespace": "ns"}]}
    with pytest.raises(GRPCError) as invalid:
        await call(channel, "/api.Submit/SubmitJobs", bad)
    assert invalid.value.status is Status.INVALID_ARGUMENT


async def test_events_replay_and_resume_exclusively(channel: Channel) -> None:
    await make_queue(channel)
    (job_id,) = await submit(channel)
    replay = await events(channel)
    assert [m.message.submitted is not None for m in replay] == [True, False]
    assert replay[1].message.queued is not None and replay[1].message.queued.job_id == job_id
    assert replay[0].message.submitted.job.id == job_id
    resumed = await events(channel, after=replay[0].id)
    assert [m.id for m in resumed] == [replay[1].id]


async def test_missing_job_set_with_error_if_missing_is_not_found(channel: Channel) -> None:
    await make_queue(channel)
    with pytest.raises(GRPCError) as missing:
        await call(
            channel,
            "/api.Event/GetJobSetEvents",
            {"queue": "q", "id": "none", "errorIfMissing": True},
        )
    assert missing.value.status is Status.NOT_FOUND
    assert await events(channel, job_set="none") == []


async def test_a_watcher_sees_a_job_submitted_later(channel: Channel) -> None:
    await make_queue(channel)
    await submit(channel)
    seen: list[api.EventStreamMessage] = []
    request = api.WatchRequest(queue="q", job_set_id="s")
    with anyio.fail_after(5):
        with pytest.warns(DeprecationWarning):
            stream = api.EventStub(channel).watch(request)
            async for message in stream:
                seen.append(message)
                if len(seen) == 2:
                    (new_id,) = await submit(channel)
                if len(seen) == 4:
                    break
            await stream.aclose()
    assert seen[3].message.queued is not None and seen[3].message.queued.job_id == new_id


async def test_cancel_by_id_by_job_set_and_by_filter(channel: Channel) -> None:
    await make_queue(channel)
    a, b = await submit(channel, 2)
    by_id = await reply_json(
        channel, "/api.Submit/CancelJobs", {"queue": "q", "jobSetId": "s", "jobId": a}
    )
    assert by_id == {"cancelledIds": [a]}
    whole = await reply_json(channel, "/api.Submit/CancelJobs", {"queue": "q", "jobSetId": "s"})
    assert whole == {"cancelledIds": [""]}
    await call(
        channel,
        "/api.Submit/CancelJobSet",
        {"queue": "q", "jobSetId": "s", "filter": {"states": [0]}},
    )
    states = await reply_json(channel, "/api.Jobs/GetJobStatus", {"jobIds": [a, b, "unknown"]})
    assert states == {"jobStates": {a: 9, b: 9, "unknown": 5}}


async def test_reprioritize_and_preempt_answers(channel: Channel) -> None:
    await make_queue(channel)
    (job_id,) = await submit(channel)
    one = await reply_json(
        channel,
        "/api.Submit/ReprioritizeJobs",
        {"queue": "q", "jobSetId": "s", "jobIds": [job_id], "newPriority": 2},
    )
    assert one == {"reprioritizationResults": {job_id: ""}}
    whole = await reply_json(
        channel, "/api.Submit/ReprioritizeJobs", {"queue": "q", "jobSetId": "s", "newPriority": 3}
    )
    assert list(whole["reprioritizationResults"]) == ["all jobs in job set s"]
    preempt = await reply_json(
        channel, "/api.Submit/PreemptJobs", {"queue": "q", "jobSetId": "s", "jobIds": [job_id]}
    )
    assert preempt == {"preemptionResults": {job_id: ""}}


async def test_job_queries(channel: Channel) -> None:
    await make_queue(channel)
    items = [{"namespace": "ns", "podSpec": POD_SPEC, "externalJobUri": "uri-1"}]
    body = await reply_json(
        channel, "/api.Submit/SubmitJobs", {"queue": "q", "jobSetId": "s", "jobRequestItems": items}
    )
    job_id = body["jobResponseItems"][0]["jobId"]
    details = await reply_json(
        channel, "/api.Jobs/GetJobDetails", {"jobIds": [job_id], "expandJobSpec": True}
    )
    assert details["jobDetails"][job_id]["queue"] == "q"
    assert details["jobDetails"][job_id]["jobSpec"]["id"] == job_id
    by_uri = await reply_json(
        channel,
        "/api.Jobs/GetJobStatusUsingExternalJobUri",
        {"queue": "q", "jobset": "s", "externalJobUri": "uri-1"},
    )
    assert by_uri == {"jobStates": {job_id: 0}}
    assert await reply_json(channel, "/api.Jobs/GetJobErrors", {"jobIds": [job_id]}) == {
        "jobErrors": {job_id: ""}
    }
    assert await reply_json(channel, "/api.Jobs/GetJobRunDetails", {"runIds": ["r"]}) == {}
    active = await reply_json(channel, "/api.Jobs/GetActiveQueues")
    assert active == {} or "activeQueuesByPool" in active
