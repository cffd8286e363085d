"""Stream replies: the operations' response dicts as upb messages.

In an event stream the `submitted` events are the costly ones to encode: each
carries its job with the whole pod spec. A job never changes after submit, and
neither does its `submitted` event, so `SubmittedCache` keeps the encoded message
of recent ones (bounded, least recently used out, one cache per server) and every
later replay or watcher of the job set sends a copy instead of encoding it again.
Pages of events (`EventPage`) are encoded to bytes through it as well
(`SubmittedCache.page_encoder`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message

from armada_adapters.wire.convert.events import EventPage, event_stream_bytes
from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pages import Page
from armada_core.events import EventKind, StoredEvent

EVENT_STREAM_MESSAGE = "api.EventStreamMessage"
# About 1 KB per entry for a typical job (its encoded event, key and bookkeeping).
DEFAULT_SUBMITTED_CACHE_SIZE = 4096

ReplyEncoder = Callable[[dict[str, Any]], Message]


class SubmittedCache:
    """Encoded `submitted` EventStreamMessages by job id, at most `capacity` of them.

    An entry is used only for the very event it was made from (same job and
    message id), so a hit returns exactly what encoding the dict would.
    """

    def __init__(self, capacity: int = DEFAULT_SUBMITTED_CACHE_SIZE) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[str, tuple[str, bytes]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def encoder(self, reply_type: type[Message]) -> ReplyEncoder:
        """The encoder of EventStreamMessage dicts that goes through this cache."""
        return lambda item: self.encode(item, reply_type)

    def encode(self, item: dict[str, Any], reply_type: type[Message]) -> Message:
        """`from_json(item, reply_type)`, from the cache when `item` is a known submitted event."""
        key = _submitted_job_id(item)
        if key is None or self.capacity <= 0:
            return from_json(item, reply_type)
        entry = self._entries.get(key)
        if entry is not None and entry[0] == item.get("id"):
            self._entries.move_to_end(key)
            return reply_type.FromString(entry[1])
        message = from_json(item, reply_type)
        self._remember(key, str(item.get("id")), message.SerializeToString())
        return message

    def stored_bytes(self, stored: StoredEvent) -> bytes:
        """`event_stream_bytes(stored)`, from the cache when it is a known submitted event."""
        job = stored.event.job
        if job is None or stored.event.kind is not EventKind.SUBMITTED or self.capacity <= 0:
            return event_stream_bytes(stored)
        message_id = str(stored.id)
        entry = self._entries.get(job.id)
        if entry is not None and entry[0] == message_id:
            self._entries.move_to_end(job.id)
            return entry[1]
        encoded = event_stream_bytes(stored)
        self._remember(job.id, message_id, encoded)
        return encoded

    def page_encoder(self, page: Page[Any]) -> Callable[[Any], bytes]:
        """How to encode each reply of `page` (events through this cache)."""
        return self.stored_bytes if isinstance(page, EventPage) else page.to_bytes

    def _remember(self, key: str, message_id: str, encoded: bytes) -> None:
        self._entries[key] = (message_id, encoded)
        self._entries.move_to_end(key)
        if len(self._entries) > self.capacity:
            self._entries.popitem(last=False)


def _submitted_job_id(item: dict[str, Any]) -> str | None:
    """The job id of a `submitted` event that carries its job; None for anything else."""
    message = item.get("message")
    body = message.get("submitted") if type(message) is dict else None
    if type(body) is not dict or "job" not in body:
        return None
    job_id = body.get("jobId")
    return job_id if type(job_id) is str and job_id else None


def reply_encoder(reply_type: type[Message], submitted: SubmittedCache) -> ReplyEncoder:
    """How a stream handler turns its items into `reply_type` messages."""
    if reply_type.DESCRIPTOR.full_name == EVENT_STREAM_MESSAGE:
        return submitted.encoder(reply_type)
    return lambda item: from_json(item, reply_type)
