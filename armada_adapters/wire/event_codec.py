"""Events as storage keeps them: their `api.EventMessage` bytes, the bytes gRPC sends.

A replay then joins the stored bytes into its replies (`convert.events.
event_stream_bytes`) instead of building a message per event. Only an event those
bytes give back exactly is encoded (`convert.events.exact_event_bytes`); storage keeps any
other its own way.
"""

from __future__ import annotations

from typing import Any

from armada_adapters.wire.convert.events import event_of, exact_event_bytes
from armada_adapters.wire.pool import message_class
from armada_core.events import Event
from armada_core.jobs import Job

EVENT_MESSAGE = message_class("api.EventMessage")


class ProtobufEvents:
    """The `EventCodec` storage keeps events with: their `api.EventMessage` bytes."""

    def encode(self, event: Event, queue: str, job_set_id: str) -> bytes | None:
        return exact_event_bytes(event, queue, job_set_id)

    def decode(self, data: bytes, job: Job | None) -> Event:
        return event_of(EVENT_MESSAGE.FromString(data), job)


def from_config(_config: Any = None) -> ProtobufEvents:
    """The codec, for the `armada.event_codec` entry point."""
    return ProtobufEvents()
