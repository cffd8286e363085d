"""The event messages a replay of the benchmark's job set sends, made by armada-py itself.

An in-memory `ArmadaService` takes the workload's jobs and its event stream is turned
into `api.EventStreamMessage`s as the gRPC adapter would (the server's own
conversion), so a baseline server can send messages of the same shape and size.
"""

from __future__ import annotations

from typing import Any

from workload import submit_items

from armada_adapters.wire.convert.events import event_stream_message
from armada_adapters.wire.convert.submit import submit_jobs
from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pool import message_class
from armada_core import ArmadaService, PermissionConfig, Principal, ServiceConfig
from armada_core.commands import WatchJobSet
from armada_core.queues import QueueSpec
from armada_storage.memory import MemoryStorage

EVENT = message_class("api.EventStreamMessage")
_USER = Principal(name="bench")


async def event_messages(jobs: int) -> list[Any]:
    """The messages (a `submitted` and a `queued` per job) of a `jobs`-job job set."""
    service = ArmadaService(
        MemoryStorage(), config=ServiceConfig(permissions=PermissionConfig.everyone_may())
    )
    await service.create_queue(_USER, QueueSpec(name="bench", priority_factor=1.0))
    for start in range(0, jobs, 100):
        data = {
            "queue": "bench",
            "jobSetId": "replay",
            "jobRequestItems": submit_items(min(100, jobs - start), start=start),
        }
        request = from_json(data, message_class("api.JobSubmitRequest"))
        await service.submit_jobs(_USER, submit_jobs(request))
    stream = await service.job_set_events(_USER, WatchJobSet(queue="bench", job_set_id="replay"))
    return [from_json(event_stream_message(stored), EVENT) async for stored in stream]
