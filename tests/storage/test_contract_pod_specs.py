"""The `Storage` contract for pod specs: a job's pod spec comes back as it went in.

A protobuf-backed pod spec (as the wire adapters hand the core) is read back with the
very bytes it arrived with, never encoded again; a `KubePodSpec` (a Kubernetes JSON
dict) is encoded once, when written, and reads back equal. The SQL backends store the
bytes (`jobs.pod_spec`); the memory backend keeps the objects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from storage_helpers import make_job, pod_spec, submit_append

from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pod_spec import POD_SPEC, ProtobufPodSpecs, UpbPodSpec
from armada_core.browse import JobFilter, JobQuery
from armada_core.jobs import Job, JobState
from armada_core.kube_pod import KubePodSpec
from armada_core.ports import Storage
from armada_core.queues import Queue
from armada_storage import MemoryStorage

pytestmark = pytest.mark.anyio


def out_of_order_bytes() -> bytes:
    """Valid PodSpec bytes that encoding the parsed message would not give back: the
    restart policy (field 3) before the containers (field 2), and a field our schema
    lacks (number 999, a string)."""
    restart = POD_SPEC(restartPolicy="Never").SerializeToString()
    containers = POD_SPEC.FromString(b"")
    containers.containers.add(name="main", image="busybox:1.36", args=["sleep", "1"])
    unknown = bytes([0xBA, 0x3E, 3]) + b"odd"  # field 999, wire type 2, 3 bytes
    return restart + containers.SerializeToString() + unknown


@pytest.fixture
def encodes(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Each pod spec the SQL backends' codec encodes, in order."""
    calls: list[Any] = []
    encode: Callable[[ProtobufPodSpecs, Any], bytes] = ProtobufPodSpecs.encode

    def counting(self: ProtobufPodSpecs, spec: Any) -> bytes:
        calls.append(spec)
        return encode(self, spec)

    monkeypatch.setattr(ProtobufPodSpecs, "encode", counting)
    return calls


async def _every_read(storage: Storage, job: Job) -> list[Job]:
    """The job as each read gives it back: by id, by queue, by job set, in a page, in
    its submitted event."""
    states = [JobState.QUEUED]
    [event, _] = [e.event for e in await storage.read_events("q", "js", None, 10)]
    assert event.job is not None
    page = await storage.browse_jobs(JobQuery(JobFilter(queue="q")))
    return [
        (await storage.get_jobs([job.id]))[job.id].job,
        (await storage.jobs_in_queue("q", states))[0].job,
        (await storage.jobs_in_job_set("q", "js", states))[0].job,
        page.jobs[0].job,
        event.job,
    ]


async def test_a_protobuf_pod_spec_reads_back_with_its_own_bytes(
    storage: Storage, encodes: list[Any]
) -> None:
    data = out_of_order_bytes()
    assert POD_SPEC.FromString(data).SerializeToString() != data  # re-encoding would show
    job = make_job(spec=UpbPodSpec(data=data))
    await storage.write(at_ms=1, jobs=[job], appends=[submit_append([job])])
    for back in await _every_read(storage, job):
        assert back == job
        assert back.spec.encoded() == data
    assert len(encodes) == (0 if isinstance(storage, MemoryStorage) else 1)


async def test_a_kubernetes_json_pod_spec_is_encoded_once_and_reads_back_equal(
    storage: Storage, encodes: list[Any]
) -> None:
    spec = {**pod_spec(7), "priorityClassName": "high", "nodeSelector": {"zone": "a"}}
    job = make_job(spec=KubePodSpec(spec))
    await storage.write(at_ms=1, jobs=[job], appends=[submit_append([job])])
    expected = from_json(spec, POD_SPEC).SerializeToString()
    for back in await _every_read(storage, job):
        assert back == job
        assert back.pod_spec == spec
        if not isinstance(storage, MemoryStorage):
            assert back.spec.encoded() == expected
    assert len(encodes) == (0 if isinstance(storage, MemoryStorage) else 1)


async def test_queued_jobs_are_grouped_by_the_stored_priority_class(storage: Storage) -> None:
    await storage.upsert_queue(Queue("q"))
    named = make_job(pod_spec={**pod_spec(), "priorityClassName": "high"})
    unnamed = make_job(spec=UpbPodSpec(data=out_of_order_bytes()))
    await storage.write(at_ms=1, jobs=[named, unnamed], appends=[submit_append([named, unnamed])])
    classes = sorted(group.priority_class for group in await storage.queued_jobs())
    assert classes == ["", "high"]
