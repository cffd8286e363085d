"""A small in-process Binoculars (grpclib) for the `logs` tests, until the real one exists.

It serves `binoculars.Binoculars/Logs` with fixed lines and records each request; given
`jobs`, it also serves `api.Jobs/GetJobDetails` for those jobs (to stand in for an API
server whose jobs have run somewhere). It runs its own event loop in a thread, since
armadactl runs `asyncio.run` in the caller's.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from grpclib.const import Cardinality, Handler
from grpclib.server import Server, Stream

from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pool import message_class

LOG_LINES = (("2024-08-21T13:13:07.000000001Z", "hello"), ("2024-08-21T13:13:08Z", "world"))


@dataclass
class FakeBinoculars:
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)  # job id -> JobDetails JSON
    requests: list[Any] = field(default_factory=list)
    port: int = 0

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def logs(self, stream: Stream[Any, Any]) -> None:
        received = await stream.recv_message()
        self.requests.append(received)
        reply = message_class("binoculars.LogResponse")()
        for stamp, text in LOG_LINES:
            reply.log.add(timestamp=stamp, line=text)
        await stream.send_message(reply)

    async def job_details(self, stream: Stream[Any, Any]) -> None:
        received = await stream.recv_message()
        assert received is not None
        found = {i: self.jobs[i] for i in received.job_ids if i in self.jobs}
        await stream.send_message(
            from_json({"jobDetails": found}, message_class("api.JobDetailsResponse"))
        )

    def __mapping__(self) -> dict[str, Handler]:
        mapping = {
            "/binoculars.Binoculars/Logs": Handler(
                self.logs,
                Cardinality.UNARY_UNARY,
                message_class("binoculars.LogRequest"),
                message_class("binoculars.LogResponse"),
            )
        }
        if self.jobs:
            mapping["/api.Jobs/GetJobDetails"] = Handler(
                self.job_details,
                Cardinality.UNARY_UNARY,
                message_class("api.JobDetailsRequest"),
                message_class("api.JobDetailsResponse"),
            )
        return mapping


@contextmanager
def running(fake: FakeBinoculars) -> Iterator[FakeBinoculars]:
    """Serve `fake` on 127.0.0.1 (a free port) for the duration of the block."""
    ready = threading.Event()
    state: dict[str, Any] = {}

    async def serve() -> None:
        server = Server([fake])
        await server.start("127.0.0.1", 0)
        fake.port = server._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        state["loop"], state["stop"] = asyncio.get_running_loop(), asyncio.Event()
        ready.set()
        await state["stop"].wait()
        server.close()
        await server.wait_closed()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10), "the fake Binoculars did not start"
    try:
        yield fake
    finally:
        state["loop"].call_soon_threadsafe(state["stop"].set)
        thread.join(10)
