"""Events: watch requests → `WatchJobSet`, `StoredEvent` → `api.EventStreamMessage`."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message

from armada_adapters.wire.convert.common import JsonDict, flag, text, timestamp
from armada_adapters.wire.convert.jobs import job_fields_bytes, job_json, job_message
from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pages import Page
from armada_adapters.wire.pool import message_class
from armada_adapters.wire.protobytes import delimited, tag, varint
from armada_core.commands import WatchJobSet
from armada_core.events import Event, EventKind, StoredEvent
from armada_core.jobs import Job

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

# The leading fields every `api.Job*Event` declares, which `event_message` sets itself.
_COMMON = ("job_id", "job_set_id", "queue", "created")
_STRING, _BOOL, _DOUBLE, _INT = range(4)
_INT_RANGES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_ENUM: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
}
_MAX_EXACT_FLOAT = 2**53


@dataclass(frozen=True, slots=True)
class _Layout:
    """What one event kind's body looks like: its case key, message and scalar fields.

    `fields`: the kind's own scalar fields in declaration (Go) order, as
    `(proto name, json key, kind, low, high)` (an event using any other field is
    checked); `fast`: False when the message does not start with `_COMMON`.
    """

    case_key: str
    cls: type[Message]
    fields: tuple[tuple[str, str, int, int, int], ...]
    fast: bool


# `event_message` builds an event's `api.EventStreamMessage` (without the job): REST
# writes its Go-JSON with the job's dict (`event_stream_message`). gRPC sends bytes
# (`event_stream_bytes`): an event stored as its `EventMessage` bytes
# (`exact_event_bytes`) as they are, anything else from that message.


def event_stream_message(stored: StoredEvent) -> JsonDict:
    """`api.EventStreamMessage` as REST writes it: `{"id": ..., "message": {"<case>": {...}}}`.

    A `submitted` event's job is `job_json` (its pod spec passed through as it is).
    """
    out = to_json(event_message(stored))
    event = stored.event
    if event.kind is EventKind.SUBMITTED and event.job is not None:
        out["message"][_layout(event.kind).case_key]["job"] = job_json(event.job)
    return out


class EventPage(Page[StoredEvent]):
    """Events of one read, as `api.EventStreamMessage` replies."""

    def to_json(self, item: StoredEvent) -> JsonDict:
        return event_stream_message(item)

    def to_bytes(self, item: StoredEvent) -> bytes:
        return event_stream_bytes(item)


def event_stream_bytes(stored: StoredEvent) -> bytes:
    """The protobuf bytes of the `api.EventStreamMessage` `event_stream_message` describes.

    An event stored as bytes (`stored.encoded`) is sent as it is, a `submitted` one's
    job's stored pod spec appended into its job (`_in_submitted_job`'s nesting); any
    other takes `_built_bytes`. One join per reply: a replay makes one per event.
    """
    body = stored.encoded
    if body is None:
        return _built_bytes(stored)
    event_id = str(stored.id).encode()
    pod_spec = stored.pod_spec
    if pod_spec is None:
        return b"".join((_ID, varint(len(event_id)), event_id, _MESSAGE, varint(len(body)), body))
    # `submitted { job { pod_spec } }`, each level's length the size of the one inside.
    spec_length = varint(len(pod_spec))
    job_size = len(_POD_SPEC) + len(spec_length) + len(pod_spec)
    job_length = varint(job_size)
    case_size = len(_JOB) + len(job_length) + job_size
    case_length = varint(case_size)
    size = len(body) + len(_SUBMITTED) + len(case_length) + case_size
    parts = (
        _ID, varint(len(event_id)), event_id, _MESSAGE, varint(size), body,
        _SUBMITTED, case_length, _JOB, job_length, _POD_SPEC, spec_length, pod_spec,
    )  # fmt: skip
    return b"".join(parts)


def _in_submitted_job(job: bytes) -> bytes:
    """An `EventMessage` holding only `submitted.job`, with `job`'s fields: appended to
    an `EventMessage` of a `submitted` event, protobuf's merge semantics (a message
    field given again is merged into the first) make them that event's job's."""
    return delimited(_SUBMITTED, delimited(_JOB, job))


def _built_bytes(stored: StoredEvent) -> bytes:
    """The message built field by field: a `submitted` event's job is written from its
    fields, its pod spec parsed in from the stored bytes (`job_message`; a pod spec
    without bytes comes from `job_json`); a job that is refused takes the whole dict,
    which then fails exactly as it always did."""
    message = event_message(stored)
    event = stored.event
    if event.kind is EventKind.SUBMITTED and event.job is not None:
        try:
            job_message(event.job, message.message.submitted.job)  # type: ignore[attr-defined]
        except (ValueError, TypeError, OverflowError, WireDecodeError, DecodeError):
            # Refused: the dict's outcome (its error, with its path) is the one to give.
            message = from_json(
                event_stream_message(stored), message_class("api.EventStreamMessage")
            )
    return bytes(message.SerializeToString())


def _tags(message: str, *names: str) -> tuple[bytes, ...]:
    fields = message_class(message).DESCRIPTOR.fields_by_name
    return tuple(tag(fields[name].number) for name in names)


_ID, _MESSAGE = _tags("api.EventStreamMessage", "id", "message")
(_SUBMITTED,) = _tags("api.EventMessage", EventKind.SUBMITTED.value)
(_JOB,) = _tags("api.JobSubmittedEvent", "job")
(_POD_SPEC,) = _tags("api.Job", "pod_spec")


def event_message(stored: StoredEvent) -> Message:
    """The event's `api.EventStreamMessage`, without a `submitted` event's job.

    Plain scalar fields (nearly all events) are set directly (`_plain_into`); anything
    else goes through the schema (`_checked_body`), which raises ValueError if it does
    not fit.
    """
    event = stored.event
    layout = _layout(event.kind)
    queue, job_set_id = stored.queue, stored.job_set_id
    own = _plain_fields(layout, queue, job_set_id, event) if layout.fast else None
    stream = message_class("api.EventStreamMessage")
    if own is not None:
        try:
            # Built in place, top down: a constructor given a sub-message copies it.
            message = stream(id=str(stored.id))
            _plain_into(message.message, event, queue, job_set_id, own)  # type: ignore[attr-defined]
            return message
        except (ValueError, TypeError, OverflowError):
            pass  # the schema decides, below
    message = stream(id=str(stored.id))
    body = getattr(message.message, event.kind.value)  # type: ignore[attr-defined]
    body.CopyFrom(_checked_body(layout, queue, job_set_id, event))
    return message


def _plain_into(
    target: Any, event: Event, queue: str, job_set_id: str, own: list[tuple[str, str, Any]]
) -> Any:
    """Set the event's case of `target`, an `api.EventMessage`, with `_plain_fields`'
    `own` (the one builder of a plain event's body); the case's body."""
    body = getattr(target, event.kind.value)
    body.SetInParent()  # an event with all fields zero is still this case
    body.job_set_id = job_set_id
    body.queue = queue
    _own_into(body, event, own)
    return body


def _own_into(body: Any, event: Event, own: list[tuple[str, str, Any]]) -> None:
    """The fields of a plain event's body that are its own, not its job set's."""
    body.job_id = event.job_id
    body.created.seconds, body.created.nanos = divmod(event.created_ns, 1_000_000_000)
    for name, _, value in own:
        setattr(body, name, value)


def exact_event_bytes(event: Event, queue: str, job_set_id: str) -> bytes | None:
    """The `api.EventMessage` bytes `event_of` gives `event` back from: as
    `event_message` writes it (`_plain_into`), a `submitted` event's job without its pod spec
    (`job_fields_bytes`, appended: `_in_submitted_job`).

    None unless that holds by construction: every field a clean scalar of the kind
    (`_plain_fields`) as it is and non-zero (a zero is not written), a time that is an
    int within a Timestamp, no job but a `submitted` event's, one written as it is.
    """
    layout = _layout(event.kind)
    job = event.job
    if not layout.fast or type(event.created_ns) is not int:
        return None
    if job is not None and event.kind is not EventKind.SUBMITTED:
        return None
    try:
        own = _plain_fields(layout, queue, job_set_id, event)
        if own is None or len(own) != len(event.fields):
            return None  # a field the kind lacks, or a zero one
        if any(event.fields[name] is not value for name, _, value in own):
            return None  # an int made a double
        message = _kept_message(event, queue, job_set_id, own)
        data = bytes(message.SerializeToString())
    except (ValueError, TypeError, OverflowError):
        return None  # text that is not text, a time beyond a Timestamp
    if job is None:
        return data
    fields = job_fields_bytes(job)
    return None if fields is None else data + _in_submitted_job(fields)


# Per thread, a message per event kind, last set for the event `_kept_message` made.
_KEPT = threading.local()


def _kept_message(
    event: Event, queue: str, job_set_id: str, own: list[tuple[str, str, Any]]
) -> Any:
    """The `api.EventMessage` `_plain_into` makes of `event` and its `own` fields, set on
    a message kept for the kind: the next event of that kind, job set and field names
    (a submit's two per job, a cancel's per job) sets only its job id, time and fields,
    all of which it overwrites (a third of the time of a new message)."""
    kept: dict[EventKind, tuple[tuple[Any, ...], Any, Any]] | None
    kept = getattr(_KEPT, "messages", None)
    if kept is None:
        kept = _KEPT.messages = {}
    key = (queue, job_set_id, *(name for name, _, _ in own))
    found = kept.get(event.kind)
    if found is None or found[0] != key:
        kept.pop(event.kind, None)  # a failure below leaves no half-set message kept
        message = message_class("api.EventMessage")()
        body = _plain_into(message, event, queue, job_set_id, own)
        kept[event.kind] = (key, message, body)
        return message
    _, message, body = found
    _own_into(body, event, own)
    return message


def event_of(message: Any, job: Job | None) -> Event:
    """The event `exact_event_bytes` wrote `message` of, with `job` (a `submitted` event's)."""
    case = message.WhichOneof("events")
    kind = EventKind(case)
    body = getattr(message, case)
    fields = {}
    for name, _, _, _, _ in _layout(kind).fields:
        value = getattr(body, name)
        if value:
            fields[name] = value
    created = body.created.seconds * 1_000_000_000 + body.created.nanos
    return Event(kind, body.job_id, created, fields, job=job)


def case_key(kind: EventKind) -> str:
    """The JSON key of an `EventMessage` case (`lease_returned` → `leaseReturned`)."""
    return _layout(kind).case_key


def _plain_fields(
    layout: _Layout, queue: str, job_set_id: str, event: Event
) -> list[tuple[str, str, Any]] | None:
    """The event's own non-zero fields as `(proto name, json key, value)`, each value as
    Go's omitempty writes it; None unless every field is a clean scalar of its kind."""
    if not (event.job_id + job_set_id + queue).isascii():
        return None  # leave any lone surrogate to the string decoder
    own: list[tuple[str, str, Any]] = []
    fields = event.fields
    if fields:
        used = 0
        for name, key, kind, low, high in layout.fields:
            if name in fields:
                used += 1
                value = _clean(kind, low, high, fields[name])
                if value is _UNCLEAN:
                    return None
                if value:
                    own.append((name, key, value))
        if used != len(fields):  # a name that is not one of the kind's own
            return None
    return own


_UNCLEAN = object()


def _clean(kind: int, low: int, high: int, value: Any) -> Any:
    """`value` as a scalar of `kind` (an exact int as a double); `_UNCLEAN` if it is not one."""
    if kind == _STRING:
        if type(value) is not str or not value.isascii():
            return _UNCLEAN
    elif kind == _BOOL:
        if type(value) is not bool:
            return _UNCLEAN
    elif kind == _DOUBLE:
        if type(value) is int and -_MAX_EXACT_FLOAT <= value <= _MAX_EXACT_FLOAT:
            value = float(value)
        if type(value) is not float or not math.isfinite(value):
            return _UNCLEAN
    elif type(value) is not int or not low <= value <= high:
        return _UNCLEAN
    return value


def _checked_body(layout: _Layout, queue: str, job_set_id: str, event: Event) -> Message:
    common = {
        "job_id": event.job_id,
        "job_set_id": job_set_id,
        "queue": queue,
        "created": timestamp(event.created_ns),
    }
    # The kind's own fields come by proto name; decoding them through the schema
    # checks names and types and gives quantities, enums and maps their JSON form.
    try:
        return from_json({**common, **event.fields}, layout.cls)
    except WireDecodeError as error:
        # The core made these fields: a mismatch is our bug, not the client's request.
        raise ValueError(
            f"{event.kind.value} event fields do not fit {layout.cls.__name__}: {error}"
        ) from error


@cache
def _layout(kind: EventKind) -> _Layout:
    field = message_class("api.EventMessage").DESCRIPTOR.fields_by_name[kind.value]
    cls = message_class(_message_name(field))
    fields: list[Any] = list(cls.DESCRIPTOR.fields)
    own = fields[len(_COMMON) :]
    scalars = tuple(s for s in map(_scalar, own) if s is not None)
    names = tuple(f.name for f in fields[: len(_COMMON)])
    return _Layout(
        str(field.json_name),
        cls,
        scalars,
        fast=names == _COMMON,
    )


def _message_name(field: Any) -> str:
    if field.message_type is None:
        raise TypeError(f"{field.full_name} is not a message")
    return str(field.message_type.full_name)


def _scalar(field: Any) -> tuple[str, str, int, int, int] | None:
    if field.is_repeated or field.has_presence:
        return None
    if field.type == FieldDescriptor.TYPE_STRING:
        return field.name, field.json_name, _STRING, 0, 0
    if field.type == FieldDescriptor.TYPE_BOOL:
        return field.name, field.json_name, _BOOL, 0, 0
    if field.type == FieldDescriptor.TYPE_DOUBLE:
        return field.name, field.json_name, _DOUBLE, 0, 0
    if field.type in _INT_RANGES and not _short_named(field):
        return field.name, field.json_name, _INT, *_INT_RANGES[field.type]
    return None


def _short_named(field: Any) -> bool:
    # RetryAction is written by name, not number (see `_scalars`).
    return field.enum_type is not None and field.enum_type.full_name == "api.RetryAction"
