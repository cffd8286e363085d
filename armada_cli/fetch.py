"""API reads several commands share."""

from __future__ import annotations

from typing import Any

from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pool import message_class
from armada_cli.output import go_json
from armada_cli.rpc import Api

GET_QUEUES = "/api.Submit/GetQueues"


def request(name: str, data: dict[str, Any]) -> Any:
    """A request message from its Go-JSON form."""
    return from_json(data, message_class(name))


async def all_queues(api: Api) -> list[dict[str, Any]]:
    """Every queue (Go-JSON), in the server's order, read up to the `end` marker."""
    queues = []
    async for message in api.stream(GET_QUEUES, request("api.StreamingQueueGetRequest", {})):
        if message.HasField("end"):
            break
        if message.HasField("queue"):
            queues.append(go_json(message.queue))
    return queues
