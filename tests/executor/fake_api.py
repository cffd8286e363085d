"""A fake `executorapi.ExecutorApi` server speaking the upstream messages over a real socket.

It behaves as §1.4 of the executor spec says Armada's server does: one LeaseRequest in;
CancelRuns for reported runs it wants gone; leases for its runs that the executor did
not report, at most `max_jobs_to_lease`; always End. ReportEvents records the sequences.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import grpclib.const
import grpclib.exceptions
from grpclib.const import Cardinality
from grpclib.server import Server, Stream

from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pool import message_class
from armada_executor.messages import (
    LEASE_JOB_RUNS,
    REPORT_EVENTS,
    Empty,
    EventList,
    JobRunLease,
    LeaseRequest,
    LeaseStreamMessage,
    PodSpec,
)

SubmitJob = message_class("armadaevents.SubmitJob")
TERMINAL = ("jobRunSucceeded", "jobRunErrors")


def make_lease(run_id: str, job_id: str, spec: dict[str, Any], **meta: Any) -> Any:
    job = SubmitJob(job_id=job_id)
    job.objectMeta.namespace = "default"
    job.objectMeta.annotations.update(meta.get("annotations", {}))
    job.mainObject.pod_spec.pod_spec.CopyFrom(from_json(spec, PodSpec))
    return JobRunLease(queue="q", jobset="js", user="alice", job=job, job_run_id=run_id)


class FakeExecutorApi:
    def __init__(self) -> None:
        self.runs: dict[str, Any] = {}  # run id -> lease, not yet terminal
        self.to_cancel: set[str] = set()
        self.requests: list[Any] = []
        self.events: list[tuple[float, str, Any]] = []  # (time, kind, event)
        self.reports = 0
        self.fail_reports = 0
        self.down = False  # every call refused (UNAVAILABLE), as by a server going away
        self.changed = asyncio.Event()

    def add(self, lease: Any) -> None:
        self.runs[lease.job_run_id] = lease

    def cancel(self, run_id: str) -> None:
        self.runs.pop(run_id, None)
        self.to_cancel.add(run_id)

    def kinds(self, run_id: str) -> list[str]:
        return [kind for _, kind, event in self.events if getattr(event, kind).run_id == run_id]

    def event(self, run_id: str, kind: str) -> Any:
        return next(
            getattr(e, kind)
            for _, k, e in self.events
            if k == kind and getattr(e, kind).run_id == run_id
        )

    def __mapping__(self) -> dict[str, grpclib.const.Handler]:
        return {
            LEASE_JOB_RUNS: grpclib.const.Handler(
                self._lease, Cardinality.STREAM_STREAM, LeaseRequest, LeaseStreamMessage
            ),
            REPORT_EVENTS: grpclib.const.Handler(
                self._report, Cardinality.UNARY_UNARY, EventList, Empty
            ),
        }

    def _refuse_when_down(self) -> None:
        if self.down:
            raise grpclib.exceptions.GRPCError(grpclib.const.Status.UNAVAILABLE, "going away")

    async def _lease(self, stream: Stream[Any, Any]) -> None:
        request = await stream.recv_message()
        self._refuse_when_down()
        self.requests.append(request)
        reported = set(request.unassigned_job_run_ids)
        for node in request.nodes:
            reported |= set(node.run_ids_by_state)
        cancels = sorted(reported & self.to_cancel)
        if cancels:
            message = LeaseStreamMessage()
            message.cancel_runs.job_run_ids_to_cancel.extend(cancels)
            await stream.send_message(message)
        fresh = [lease for run_id, lease in self.runs.items() if run_id not in reported]
        for lease in fresh[: request.max_jobs_to_lease]:
            await stream.send_message(LeaseStreamMessage(lease=lease))
        end = LeaseStreamMessage()
        end.end.SetInParent()
        await stream.send_message(end)
        self.changed.set()

    async def _report(self, stream: Stream[Any, Any]) -> None:
        request = await stream.recv_message()
        self._refuse_when_down()
        if self.fail_reports:
            self.fail_reports -= 1
            raise grpclib.exceptions.GRPCError(grpclib.const.Status.UNAVAILABLE, "try later")
        self.reports += 1
        for sequence in request.events:
            for event in sequence.events:
                kind = event.WhichOneof("event")
                self.events.append((time.monotonic(), kind, event))
                if kind in TERMINAL:
                    self.runs.pop(getattr(event, kind).run_id, None)
        await stream.send_message(Empty())
        self.changed.set()


async def start_server(api: FakeExecutorApi, port: int = 0) -> tuple[Server, int]:
    server = Server([api])
    await server.start("127.0.0.1", port)
    assert server._server is not None
    return server, server._server.sockets[0].getsockname()[1]


async def stop_server(server: Server) -> None:
    server.close()
    await server.wait_closed()


async def wait_until(condition: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
    return value
