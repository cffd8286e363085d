"""Events: watch requests → `WatchJobSet`, `StoredEvent` → `api.EventStreamMessage`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from armada_adapters.wire.convert.common import JsonDict, flag, text, timestamp
from armada_adapters.wire.convert.jobs import job_json
from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pool import message_class
from armada_core.commands import WatchJobSet
from armada_core.events import Event, EventKind, StoredEvent

# ---- requests -----------------------------------------------------------------------


def watch_job_set(data: Mapping[str, Any]) -> WatchJobSet:
    """`api.JobSetRequest` (GetJobSetEvents)."""
    return WatchJobSet(
        queue=text(data, "queue"),
        job_set_id=text(data, "id"),
        from_message_id=text(data, "fromMessageId"),
        watch=flag(data, "watch"),
        error_if_missing=flag(data, "errorIfMissing"),
    )


def watch_request(data: Mapping[str, Any]) -> WatchJobSet:
    """`api.WatchRequest` (deprecated Watch): GetJobSetEvents watching, error if missing."""
    return WatchJobSet(
        queue=text(data, "queue"),
        job_set_id=text(data, "jobSetId"),
        from_message_id=text(data, "fromId"),
        watch=True,
        error_if_missing=True,
    )


# ---- responses ----------------------------------------------------------------------


def event_stream_message(stored: StoredEvent) -> JsonDict:
    """`api.EventStreamMessage`: `{"id": ..., "message": {"<case>": {...}}}`."""
    event = stored.event
    body = _event_body(stored.queue, stored.job_set_id, event)
    return {"id": str(stored.id), "message": {case_key(event.kind): body}}


def case_key(kind: EventKind) -> str:
    """The JSON key of an `EventMessage` case (`lease_returned` → `leaseReturned`)."""
    return str(_event_message_fields()[kind.value].json_name)


def _event_body(queue: str, job_set_id: str, event: Event) -> JsonDict:
    common = {
        "job_id": event.job_id,
        "job_set_id": job_set_id,
        "queue": queue,
        "created": timestamp(event.created_ns),
    }
    # The kind's own fields come by proto name; decoding them through the schema
    # checks names and types and gives quantities, enums and maps their JSON form.
    cls = message_class(_event_message_fields()[event.kind.value].message_type.full_name)
    try:
        body = to_json(from_json({**common, **event.fields}, cls))
    except WireDecodeError as error:
        # The core made these fields: a mismatch is our bug, not the client's request.
        raise ValueError(
            f"{event.kind.value} event fields do not fit {cls.__name__}: {error}"
        ) from error
    if event.kind is EventKind.SUBMITTED and event.job is not None:
        body["job"] = job_json(event.job)
    return body


def _event_message_fields() -> Mapping[str, Any]:
    return message_class("api.EventMessage").DESCRIPTOR.fields_by_name
