"""Baseline: grpclib with upb messages, a SubmitJobs handler that only decodes and answers."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from grpclib.const import Cardinality, Handler
from grpclib.server import Server

from armada_adapters.wire.pool import message_class

REQUEST = message_class("api.JobSubmitRequest")
REPLY = message_class("api.JobSubmitResponse")


class NoopSubmit:
    def __mapping__(self) -> dict[str, Handler]:
        async def submit(stream: Any) -> None:
            request = await stream.recv_message()
            items = [{"job_id": str(k)} for k in range(len(request.job_request_items))]
            await stream.send_message(REPLY(job_response_items=items))

        return {"/api.Submit/SubmitJobs": Handler(submit, Cardinality.UNARY_UNARY, REQUEST, REPLY)}


async def main() -> None:
    sock = socket.create_server(("127.0.0.1", 0))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as our server does
    server = Server([NoopSubmit()])
    await server.start(sock=sock)
    print(f"noop ready: {sock.getsockname()[1]}", flush=True)
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
