"""Big requests beside small ones lose nothing (the latency figures are a benchmark).

Over real sockets to a server process on SQLite: while 10,000-job submits (seeding
20,000 jobs) and then a CancelJobSet of all of them run, a second client submits one
job at a time. Every job either client was answered with is stored, with its
`submitted` and `queued` events in order, the big job set ends all cancelled, and the
probe's jobs are untouched. How long the probe waited is what `bench/bench_limits.py`
measures (no timed assertions here).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import grpc
import pytest
from limits_support import ServerProcess, call, running_server, submit_request

from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pool import message_class

pytestmark = pytest.mark.e2e

BIG = 10_000
ROUNDS = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running_server(tmp_path_factory.mktemp("limits-load")) as process:
        yield process


def _channel(server: ServerProcess) -> grpc.Channel:
    return grpc.insecure_channel(server.grpc_target)


def _single_submits_during(server: ServerProcess, work: Callable[[], None]) -> list[str]:
    """Job ids of one-job submits from another connection while `work` runs."""
    job_ids: list[str] = []
    done = threading.Event()
    request = _submit_bytes("probe", 1)

    def probe() -> None:
        with _channel(server) as channel:
            while not done.is_set():
                reply = call(channel, "/api.Submit/SubmitJobs", request, "api.JobSubmitResponse")
                job_ids.extend(item["jobId"] for item in reply["jobResponseItems"])
                time.sleep(0.005)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        work()
    finally:
        done.set()
        prober.join()
    return job_ids


def _submit_bytes(job_set: str, count: int) -> bytes:
    # Encoded once, before the probe starts: its loop then only sends bytes.
    message = from_json(submit_request("q", job_set, count), message_class("api.JobSubmitRequest"))
    return bytes(message.SerializeToString())


def _events(channel: grpc.Channel, job_set: str) -> list[tuple[str, str]]:
    """`(kind, job id)` of every event of the job set so far, in order."""
    method = channel.unary_stream(
        "/api.Event/GetJobSetEvents",
        request_serializer=lambda r: r,
        response_deserializer=message_class("api.EventStreamMessage").FromString,
    )
    request = from_json({"queue": "q", "id": job_set}, message_class("api.JobSetRequest"))
    out = []
    for reply in method(request.SerializeToString(), timeout=300):
        kind = reply.message.WhichOneof("events")
        out.append((kind, getattr(reply.message, kind).job_id))
    return out


def _kinds_by_job(events: list[tuple[str, str]]) -> dict[str, list[str]]:
    kinds: dict[str, list[str]] = {}
    for kind, job_id in events:
        kinds.setdefault(job_id, []).append(kind)
    return kinds


def test_big_submits_and_a_big_cancel_lose_none_of_the_small_submits(
    server: ServerProcess,
) -> None:
    big_ids: list[str] = []
    with _channel(server) as channel:
        call(
            channel,
            "/api.Submit/CreateQueue",
            {"name": "q", "priorityFactor": 1},
            "google.protobuf.Empty",
        )

        big_request = _submit_bytes("big", BIG)
        call(
            channel, "/api.Submit/SubmitJobs", _submit_bytes("warm-up", 1), "api.JobSubmitResponse"
        )

        def submit_big() -> None:
            for _ in range(ROUNDS):
                reply = call(
                    channel,
                    "/api.Submit/SubmitJobs",
                    big_request,
                    "api.JobSubmitResponse",
                    timeout=120,
                )
                big_ids.extend(item["jobId"] for item in reply["jobResponseItems"])

        probed = _single_submits_during(server, submit_big)

        def cancel_big() -> None:
            call(
                channel,
                "/api.Submit/CancelJobSet",
                {"queue": "q", "jobSetId": "big"},
                "google.protobuf.Empty",
                timeout=120,
            )

        probed += _single_submits_during(server, cancel_big)

        big = _kinds_by_job(_events(channel, "big"))
        small = _kinds_by_job(_events(channel, "probe"))

    assert len(big_ids) == len(set(big_ids)) == ROUNDS * BIG
    assert probed and len(set(probed)) == len(probed)
    assert set(big) == set(big_ids)
    assert all(k == ["submitted", "queued", "cancelling", "cancelled"] for k in big.values())
    assert set(small) == set(probed)
    assert all(k == ["submitted", "queued"] for k in small.values())
