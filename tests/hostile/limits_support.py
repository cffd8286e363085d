"""What the limit tests share: a real server process, raw gRPC calls, small jobs.

The server is the e2e tests' `ServerProcess` (`python -m armada_adapters`, ports
chosen by the OS); calls go through grpcio with our own message classes, so a test
can send any bytes it likes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from e2e_support import ServerProcess

from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pool import message_class

__all__ = ["ServerProcess", "call", "job_items", "running_server", "submit_request"]


@contextmanager
def running_server(cwd: Path, extra: dict[str, Any] | None = None) -> Iterator[ServerProcess]:
    """A server on a fresh SQLite file in `cwd`, open to everyone."""
    config = {"storage": {"backend": "sqlite", "sqlite": {"path": str(cwd / "armada.db")}}}
    process = ServerProcess(cwd, {**config, **(extra or {})}, {}).wait_ready()
    try:
        yield process
    finally:
        process.stop()


def call(
    channel: grpc.Channel,
    path: str,
    request: bytes | dict[str, Any],
    response_type: str,
    *,
    timeout: float = 30.0,
    compression: grpc.Compression | None = None,
) -> dict[str, Any]:
    """A unary call with `request` (Go-JSON, or the serialized bytes); the reply as JSON."""
    method = channel.unary_unary(
        path,
        request_serializer=lambda r: r,
        response_deserializer=message_class(response_type).FromString,
    )
    body = request if isinstance(request, bytes) else _serialized(path, request)
    reply = method(body, timeout=timeout, compression=compression)
    return to_json(reply)


def _serialized(path: str, request: dict[str, Any]) -> bytes:
    types = {
        "/api.Submit/SubmitJobs": "api.JobSubmitRequest",
        "/api.Submit/CreateQueue": "api.Queue",
        "/api.Submit/CancelJobSet": "api.JobSetCancelRequest",
        "/api.Submit/CancelJobs": "api.JobCancelRequest",
        "/api.Submit/ReprioritizeJobs": "api.JobReprioritizeRequest",
        "/api.Submit/PreemptJobs": "api.JobPreemptRequest",
    }
    return from_json(request, message_class(types[path])).SerializeToString()


def job_items(count: int) -> list[dict[str, Any]]:
    """`count` small valid jobs (about 100 protobuf bytes each)."""
    amounts = {"cpu": "100m", "memory": "64Mi"}
    container = {
        "name": "c",
        "image": "busybox",
        "resources": {"requests": amounts, "limits": amounts},
    }
    item = {"namespace": "default", "podSpec": {"containers": [container]}}
    return [item] * count


def submit_request(queue: str, job_set: str, count: int) -> dict[str, Any]:
    """A SubmitJobs request of `count` small jobs."""
    return {"queue": queue, "jobSetId": job_set, "jobRequestItems": job_items(count)}
