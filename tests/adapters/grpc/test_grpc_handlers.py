"""The generic handlers with fake operations: errors, request ids, streams, draining."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest
from grpc_support import call_raw, channel_for, replace_operation
from grpclib.const import Cardinality, Status
from grpclib.exceptions import GRPCError

from armada_adapters.grpc.handlers import build_servables
from armada_adapters.wire.errors import ERROR_CODES, WireDecodeError
from armada_adapters.wire.limits import MessageTooLarge
from armada_adapters.wire.operations import EXECUTOR_SERVICES, OPERATIONS, SERVICES, Operation
from armada_adapters.wire.pool import message_class, service_descriptor
from armada_adapters.wire.shutdown import SHUTTING_DOWN, CallTracker
from armada_core import errors
from armada_core.service import ArmadaService

pytestmark = pytest.mark.anyio

GET_QUEUE = "/api.QueueService/GetQueue"
EVENTS = "/api.Event/GetJobSetEvents"
QueueGetRequest = message_class("api.QueueGetRequest")
JobSetRequest = message_class("api.JobSetRequest")

# Not raised by the core as "ErrorClass(message)": the tree's root, adapter errors, and
# ClientIdsTaken (it carries job ids, and never leaves the core).
NOT_CORE = (errors.ArmadaError, WireDecodeError, MessageTooLarge, errors.ClientIdsTaken)
CORE_ERRORS = [cls for cls in ERROR_CODES if cls not in NOT_CORE]


def raising(exc: Exception) -> Any:
    async def call(*_: Any) -> Any:
        raise exc

    return call


def test_every_method_of_the_five_services_is_served(service: ArmadaService) -> None:
    services = (*SERVICES, *EXECUTOR_SERVICES)
    served = {path for s in build_servables(service, services=services) for path in s.__mapping__()}
    declared = {f"/{n}/{m.name}" for n in services for m in service_descriptor(n).methods}
    assert served == declared == set(OPERATIONS)
    assert "/api.Submit/GetQueueInfo" in served


def test_a_table_that_disagrees_with_the_descriptor_is_refused(service: ArmadaService) -> None:
    wrong = Operation("api.Queue", "google.protobuf.Empty", True, raising(RuntimeError()))
    with pytest.raises(ValueError, match="GetQueue"):
        build_servables(service, operations={**OPERATIONS, GET_QUEUE: wrong})


@pytest.mark.parametrize("error_class", CORE_ERRORS, ids=lambda c: c.__name__)
async def test_core_errors_get_the_shared_code(service: ArmadaService, error_class: type) -> None:
    ops = replace_operation(GET_QUEUE, raising(error_class("it went wrong")))
    async with channel_for(service, operations=ops) as channel:
        reply = await call_raw(channel, GET_QUEUE, metadata={"x-request-id": "rid-1"})
    assert reply.error is not None
    assert reply.error.status == Status(int(ERROR_CODES[error_class]))
    assert reply.error.message == '[x-request-id: "rid-1"] it went wrong'
    assert reply.trailers["x-request-id"] == "rid-1"


async def test_a_wire_decode_error_is_invalid_argument(service: ArmadaService) -> None:
    ops = replace_operation(GET_QUEUE, raising(WireDecodeError("name", "not a string")))
    async with channel_for(service, operations=ops) as channel:
        reply = await call_raw(channel, GET_QUEUE)
    assert reply.error is not None and reply.error.status is Status.INVALID_ARGUMENT
    assert reply.error.message is not None and reply.error.message.endswith("name: not a string")


async def test_an_unexpected_error_is_internal_logged_once_and_never_leaked(
    service: ArmadaService, caplog: pytest.LogCaptureFixture
) -> None:
    ops = replace_operation(GET_QUEUE, raising(RuntimeError("secret detail")))
    with caplog.at_level(logging.ERROR):
        async with channel_for(service, operations=ops) as channel:
            reply = await call_raw(channel, GET_QUEUE)
    assert reply.error is not None and reply.error.status is Status.INTERNAL
    assert "secret" not in (reply.error.message or "")
    logged = [r for r in caplog.records if r.exc_info]
    assert len(logged) == 1 and "secret detail" in str(logged[0].exc_info[1])


async def test_a_request_id_is_made_when_the_client_sends_none(service: ArmadaService) -> None:
    ops = replace_operation(GET_QUEUE, raising(errors.NotFound("no queue")))
    async with channel_for(service, operations=ops) as channel:
        reply = await call_raw(channel, GET_QUEUE)
    made = reply.trailers["x-request-id"]
    assert uuid.UUID(made)
    assert reply.error is not None and reply.error.message == f'[x-request-id: "{made}"] no queue'


async def test_success_returns_the_request_id_in_the_trailers(service: ArmadaService) -> None:
    async def ok(*_: Any) -> dict[str, Any]:
        return {"name": "q", "priorityFactor": 1.0}

    async with channel_for(service, operations=replace_operation(GET_QUEUE, ok)) as channel:
        reply = await call_raw(channel, GET_QUEUE, metadata={"x-request-id": "abc"})
    assert reply.error is None
    assert [m.name for m in reply.messages] == ["q"]
    assert reply.trailers["x-request-id"] == "abc"


class Forever:
    """A stream operation that yields `first` items, then waits until closed."""

    def __init__(self, first: int = 1) -> None:
        self.first = first
        self.closed = anyio.Event()

    async def __call__(self, *_: Any) -> AsyncIterator[dict[str, Any]]:
        return self._items()

    async def _items(self) -> AsyncIterator[dict[str, Any]]:
        try:
            for i in range(self.first):
                yield {"id": f"1:0:{i}:1", "message": {"queued": {"jobId": f"j{i}"}}}
            await anyio.sleep_forever()
        finally:
            self.closed.set()


async def open_events(channel: Any) -> Any:
    stream = channel.request(
        EVENTS, Cardinality.UNARY_STREAM, JobSetRequest, message_class("api.EventStreamMessage")
    )
    await stream.__aenter__()
    await stream.send_message(JobSetRequest(queue="q", id="s", watch=True), end=True)
    return stream


async def test_a_watcher_gets_headers_before_any_event(service: ArmadaService) -> None:
    forever = Forever(first=0)
    async with channel_for(service, operations=replace_operation(EVENTS, forever)) as channel:
        stream = await open_events(channel)
        with anyio.fail_after(2):
            await stream.recv_initial_metadata()
        await stream.cancel()
        await stream.__aexit__(None, None, None)


async def test_a_client_that_leaves_closes_the_core_stream(service: ArmadaService) -> None:
    forever = Forever(first=1)
    async with channel_for(service, operations=replace_operation(EVENTS, forever)) as channel:
        stream = await open_events(channel)
        with anyio.fail_after(2):
            first = await stream.recv_message()
            assert first.message.queued.job_id == "j0"
            await stream.cancel()
            await stream.__aexit__(None, None, None)
            await forever.closed.wait()


async def test_an_error_after_the_first_event_ends_the_stream_with_its_code(
    service: ArmadaService,
) -> None:
    async def one_then_fail(*_: Any) -> AsyncIterator[dict[str, Any]]:
        async def items() -> AsyncIterator[dict[str, Any]]:
            yield {"id": "1:0:0:1", "message": {"queued": {"jobId": "j"}}}
            raise errors.Unavailable("database went away")

        return items()

    ops = replace_operation(EVENTS, one_then_fail)
    async with channel_for(service, operations=ops) as channel:
        reply = await call_raw(channel, EVENTS, JobSetRequest(queue="q", id="s"))
    assert len(reply.messages) == 1
    assert reply.error is not None and reply.error.status is Status.UNAVAILABLE


async def test_drain_ends_watchers_and_refuses_new_calls(service: ArmadaService) -> None:
    tracker = CallTracker()
    forever = Forever(first=1)
    ops = replace_operation(EVENTS, forever)
    async with channel_for(service, operations=ops, tracker=tracker) as channel:
        stream = await open_events(channel)
        with anyio.fail_after(2):
            await stream.recv_message()
            assert tracker.open_streams == 1
            assert await tracker.drain(grace=1.0)
            with pytest.raises(GRPCError) as ended:
                await stream.recv_message()
                await stream.recv_trailing_metadata()
            await forever.closed.wait()
        assert ended.value.status is Status.UNAVAILABLE
        refused = await call_raw(channel, GET_QUEUE)
    assert refused.error is not None and refused.error.message is not None
    assert refused.error.status is Status.UNAVAILABLE and SHUTTING_DOWN in refused.error.message


async def test_drain_lets_a_running_unary_call_finish(service: ArmadaService) -> None:
    tracker = CallTracker()
    started, release = anyio.Event(), anyio.Event()

    async def slow(*_: Any) -> dict[str, Any]:
        started.set()
        await release.wait()
        return {"name": "q"}

    ops = replace_operation(GET_QUEUE, slow)
    results: list[Any] = []
    async with (
        channel_for(service, operations=ops, tracker=tracker) as channel,
        anyio.create_task_group() as tg,
    ):
        tg.start_soon(lambda: _collect(channel, results))
        with anyio.fail_after(2):
            await started.wait()
            tg.start_soon(lambda: _drain(tracker, results))
            await anyio.wait_all_tasks_blocked()
            assert tracker.closing and not drained_early(results)
            release.set()
    assert len(results) == 2
    reply = next(r for r in results if not isinstance(r, bool))
    drained = next(r for r in results if isinstance(r, bool))
    assert reply.error is None and reply.messages[0].name == "q"
    assert drained is True


def drained_early(results: list[Any]) -> bool:
    return any(isinstance(r, bool) for r in results)


async def _collect(channel: Any, results: list[Any]) -> None:
    results.append(await call_raw(channel, GET_QUEUE))


async def _drain(tracker: CallTracker, results: list[Any]) -> None:
    results.append(await tracker.drain(grace=5.0))
