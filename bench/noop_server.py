"""Baselines: grpclib with upb messages and handlers that do no work of their own.

- SubmitJobs only decodes the request and answers.
- GetJobSetEvents sends prebuilt event messages (the ones armada-py sends for the
  benchmark's job set, `sample_events`), one `send_message` (one socket write) each,
  as many as the request's `id` says (`"replay-<count>"`).
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from grpclib.const import Cardinality, Handler
from grpclib.server import Server
from sample_events import EVENT, event_messages

from armada_adapters.wire.pool import message_class

REQUEST = message_class("api.JobSubmitRequest")
REPLY = message_class("api.JobSubmitResponse")
JOB_SET = message_class("api.JobSetRequest")
SAMPLE_JOBS = 500  # distinct messages, sent over and over


class Noop:
    def __init__(self, events: list[Any]) -> None:
        self._events = events

    def __mapping__(self) -> dict[str, Handler]:
        async def submit(stream: Any) -> None:
            request = await stream.recv_message()
            items = [{"job_id": str(k)} for k in range(len(request.job_request_items))]
            await stream.send_message(REPLY(job_response_items=items))

        async def replay(stream: Any) -> None:
            request = await stream.recv_message()
            count = int(request.id.rpartition("-")[2])
            events = self._events
            for k in range(count):
                await stream.send_message(events[k % len(events)])

        return {
            "/api.Submit/SubmitJobs": Handler(submit, Cardinality.UNARY_UNARY, REQUEST, REPLY),
            "/api.Event/GetJobSetEvents": Handler(replay, Cardinality.UNARY_STREAM, JOB_SET, EVENT),
        }


async def main() -> None:
    events = await event_messages(SAMPLE_JOBS)
    sock = socket.create_server(("127.0.0.1", 0))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as our server does
    server = Server([Noop(events)])
    await server.start(sock=sock)
    print(f"noop ready: {sock.getsockname()[1]}", flush=True)
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
