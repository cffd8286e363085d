"""An `events` row: a chunk of one log entry's events, as bytes (both SQL backends).

An event is kept as the bytes the wire sends for it (Armada's `api.EventMessage`,
written by the event codec, `ports.EventCodec`), so a replay joins stored bytes and
never builds a message per event. A `submitted` event's job is written without its
pod spec, which the jobs table holds once (`jobs.pod_spec`): a reader hands both over
(`StoredEvent.encoded`, `.pod_spec`). An event the codec declines (one whose bytes
would not give it back exactly) is kept as JSON instead.

A row is a run of records, each a type byte and parts prefixed by their length
(4 bytes, big-endian):
- `M` <message>: an event's `api.EventMessage` bytes;
- `S` <job id> <message>: a `submitted` event's, whose job is in the jobs table;
- `J` <json>: the event as a JSON list `[kind, job_id, created_ns, fields?, job?]`,
  `job` being `1` for "the job stored in the jobs table", else the job's dict.
A row written before migration 10 is one JSON list of such lists (it starts with `[`).
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable, Sequence
from typing import Any

from armada_core.events import Event, EventId, EventKind, StoredEvent
from armada_core.jobs import Job
from armada_core.ports import EventCodec, PodSpecCodec
from armada_storage._codec import encode, job_from_dict, job_from_json, job_to_dict, load

STORED_JOB = 1
_MESSAGE, _SUBMITTED, _JSON = b"M", b"S", b"J"
_M, _S, _J = _MESSAGE[0], _SUBMITTED[0], _JSON[0]
_LENGTH = struct.Struct(">I")
_OLD_ROW = b"["
# A row's event: its JSON list (`J`, and rows before migration 10), or its message
# bytes with the id of the stored job a `submitted` one needs (`M`: None).
Item = list[Any] | tuple[str | None, bytes]
# A job's stored `spec` JSON and `pod_spec` bytes, by id: what a read of `submitted`
# events fetches for the jobs their rows name.
StoredSpecs = dict[str, tuple[str, bytes]]


# --- writing ---------------------------------------------------------------------------


def events_row(
    events: Sequence[Event],
    stored: Callable[[Job], bool],
    codec: EventCodec,
    queue: str,
    job_set_id: str,
) -> bytes:
    """The row of these events of `queue`'s `job_set_id`; `stored(job)` says a job is
    in the same write's jobs (not repeated then)."""
    parts: list[bytes] = []
    for event in events:
        parts += _record(event, stored, codec, queue, job_set_id)
    return b"".join(parts)


def _record(
    event: Event, stored: Callable[[Job], bool], codec: EventCodec, queue: str, job_set_id: str
) -> list[bytes]:
    job = event.job
    if job is None or (event.kind is EventKind.SUBMITTED and stored(job)):
        data = codec.encode(event, queue, job_set_id)
        if data is not None and job is None:
            return [_MESSAGE, _LENGTH.pack(len(data)), data]
        if data is not None and job is not None:
            job_id = _text_bytes(job.id)
            return [_SUBMITTED, _LENGTH.pack(len(job_id)), job_id, _LENGTH.pack(len(data)), data]
    text = _text_bytes(encode(_json_item(event, stored)))
    return [_JSON, _LENGTH.pack(len(text)), text]


def _json_item(event: Event, stored: Callable[[Job], bool]) -> list[Any]:
    item: list[Any] = [event.kind, event.job_id, event.created_ns]  # a str: encodes as its value
    if event.job is not None:
        item += [event.fields, STORED_JOB if stored(event.job) else job_to_dict(event.job)]
    elif event.fields:
        item.append(event.fields)
    return item


def _text_bytes(text: str) -> bytes:
    # A lone surrogate (a JSON body may carry one) is kept as it is, as SQL text kept it.
    return text.encode("utf-8", "surrogatepass")


# --- reading ---------------------------------------------------------------------------


def row_items(data: bytes) -> list[Item]:
    """A row's events as `Item`s, in order."""
    data = bytes(data)  # PostgreSQL may hand a memoryview
    if data[:1] == _OLD_ROW:
        items: list[Item] = load(data.decode("utf-8", "surrogatepass"))
        return items
    out: list[Item] = []
    unpack, pos, end = _LENGTH.unpack_from, 0, len(data)
    while pos < end:
        kind = data[pos]
        (size,) = unpack(data, pos + 1)
        pos += 5
        job_id = None
        if kind == _S:
            job_id = data[pos : pos + size].decode("utf-8", "surrogatepass")
            pos += size
            (size,) = unpack(data, pos)
            pos += 4
        part = data[pos : pos + size]
        pos += size
        if kind == _J:
            out.append(load(part.decode("utf-8", "surrogatepass")))
        elif kind in (_M, _S):
            out.append((job_id, part))
        else:
            raise ValueError(f"an events row holds a record of unknown type {kind}")
    return out


def events_after(
    ms: int,
    seq: int,
    start: int,
    count: int,
    final: bool,
    items: list[Item],
    key: tuple[int, int, int],
) -> list[tuple[EventId, Item]]:
    """The `row_items` of one stored row (`ms`, `seq`, `start`, `count`, `final`) that
    come after `key`, each with its id: the last event of a `final` row ends its entry."""
    entry = (ms, seq)
    if entry > key[:2]:
        first = 0
    elif entry == key[:2]:
        first = max(0, key[2] - start + 1)
    else:
        return []
    last = count - 1 if final else -1
    return [
        (EventId(ms, seq, start + offset, offset == last), items[offset])
        for offset in range(first, len(items))
    ]


def stored_job_ids(found: Sequence[tuple[EventId, Item]]) -> list[str]:
    """The ids of the jobs in the jobs table these events need (`submitted` ones)."""
    wanted: list[str] = []
    for _, item in found:
        if isinstance(item, tuple):
            if item[0] is not None:
                wanted.append(item[0])
        elif len(item) > 4 and item[4] == STORED_JOB:
            wanted.append(item[1])
    return wanted


_KINDS = {kind.value: kind for kind in EventKind}  # a dict lookup, not EnumType.__call__


def stored_events(
    found: Sequence[tuple[EventId, Item]],
    queue: str,
    job_set_id: str,
    specs: StoredSpecs,
    pod_specs: PodSpecCodec,
    codec: EventCodec,
) -> list[StoredEvent]:
    """The events read, in one pass: a replay makes one per event it sends. Kept bytes
    are handed over as they are, each event decoded only if asked for."""
    kinds = _KINDS
    out: list[StoredEvent] = []
    append = out.append
    partial = functools.partial
    for event_id, item in found:
        if isinstance(item, tuple):
            job_id, data = item
            spec = None if job_id is None else specs.get(job_id)
            append(
                StoredEvent(
                    event_id,
                    queue,
                    job_set_id,
                    encoded=data,
                    pod_spec=None if spec is None else spec[1],
                    decode=partial(_decoded, codec, data, spec, pod_specs),
                )
            )
            continue
        size = len(item)
        if size <= 3:
            event = Event(kinds[item[0]], item[1], item[2], {})
        elif size == 4 or item[4] is None:
            event = Event(kinds[item[0]], item[1], item[2], item[3])
        else:
            job = _job_of(item[1], item[4], specs, pod_specs)
            event = Event(kinds[item[0]], item[1], item[2], item[3], job)
        append(StoredEvent(event_id, queue, job_set_id, event))
    return out


def _decoded(
    codec: EventCodec, data: bytes, spec: tuple[str, bytes] | None, pod_specs: PodSpecCodec
) -> Event:
    job = None if spec is None else job_from_json(spec[0], pod_specs.decode(spec[1]))
    return codec.decode(data, job)


def _job_of(job_id: str, job: Any, specs: StoredSpecs, pod_specs: PodSpecCodec) -> Job | None:
    if job == STORED_JOB:
        found = specs.get(job_id)
        if found is None:
            return None
        spec, pod_spec = found
        return job_from_json(spec, pod_specs.decode(pod_spec))
    return job_from_dict(job)
