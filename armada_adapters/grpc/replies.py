"""Stream replies: the operations' response dicts as upb messages.

In an event stream the `submitted` events are the costly ones to encode: each
carries its job with the whole pod spec. A job never changes after submit, and
neither does its `submitted` event, so `SubmittedCache` keeps the encoded message
of recent ones (bounded, least recently used out, one cache per server) and every
later replay or watcher of the job set sends a copy instead of encoding it again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message

from armada_adapters.wire.jsoncodec import from_json

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
