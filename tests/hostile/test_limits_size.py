"""Request size limits over real sockets: 4 MiB per gRPC message and per REST body.

A message over the limit is RESOURCE_EXHAUSTED (REST: 429, the gateway's status for
it), whether it arrives compressed or not, and the server refuses it from its length
alone: a 200 MB message leaves its peak memory (VmHWM) nearly where it was.
"""

from __future__ import annotations

import gzip
import json
import select
import socket
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from limits_support import ServerProcess, call, running_server

from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pool import message_class

pytestmark = pytest.mark.e2e

MiB = 1024 * 1024
SUBMIT = "/api.Submit/SubmitJobs"
CANCEL = "/api.Submit/CancelJobs"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running_server(tmp_path_factory.mktemp("limits-size")) as process:
        yield process


@pytest.fixture(scope="module")
def channel(server: ServerProcess) -> Iterator[grpc.Channel]:
    options = [("grpc.max_send_message_length", -1)]
    with grpc.insecure_channel(server.grpc_target, options=options) as channel:
        yield channel


def _submit_with_annotation(size: int) -> bytes:
    item = {"namespace": "default", "annotations": {"big": "x" * size}}
    request = {"queue": "q", "jobSetId": "s", "jobRequestItems": [item]}
    return from_json(request, message_class("api.JobSubmitRequest")).SerializeToString()


def _grpc_error(channel: grpc.Channel, body: bytes, **kwargs: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as refused:
        call(channel, SUBMIT, body, "api.JobSubmitResponse", **kwargs)  # type: ignore[arg-type]
    return refused.value


def test_an_uncompressed_message_over_4_mib_is_resource_exhausted(channel: grpc.Channel) -> None:
    error = _grpc_error(channel, _submit_with_annotation(5 * MiB))
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "larger than max" in (error.details() or "")
    assert f"vs. {4 * MiB}" in (error.details() or "")


def test_a_gzip_message_over_4_mib_once_inflated_is_resource_exhausted(
    channel: grpc.Channel,
) -> None:
    error = _grpc_error(
        channel, _submit_with_annotation(5 * MiB), compression=grpc.Compression.Gzip
    )
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "after decompression larger than max" in (error.details() or "")


def test_a_message_under_the_limit_reaches_the_core(channel: grpc.Channel) -> None:
    # 3 MiB of job ids passes the transport; the core's item cap then refuses it.
    ids = [f"01j{n:023d}" for n in range(110_000)]
    request = {"queue": "q", "jobSetId": "s", "jobIds": ids}
    with pytest.raises(grpc.RpcError) as refused:
        call(channel, CANCEL, request, "api.CancellationResult")
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "JobIds" in (refused.value.details() or "")


def test_the_connection_serves_calls_after_a_refusal(channel: grpc.Channel) -> None:
    _grpc_error(channel, _submit_with_annotation(5 * MiB))
    error = _grpc_error(channel, _submit_with_annotation(10))  # queue q does not exist
    assert error.code() is grpc.StatusCode.NOT_FOUND


def _post(port: int, body: bytes, *, chunked: bool = False) -> tuple[int, bytes]:
    head = "POST /v1/job/submit HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
    head += (
        "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {len(body)}\r\n\r\n"
    )
    data = head.encode() + (
        f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n" if chunked else body
    )
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        return _response(sock)


def _response(sock: socket.socket) -> tuple[int, bytes]:
    received = b""
    while b"\r\n\r\n" not in received or not _complete(received):
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def _complete(received: bytes) -> bool:
    head, _, body = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":")[1])
    return True


def _big_submit_body(size: int) -> bytes:
    item = {"namespace": "default", "annotations": {"big": "x" * size}}
    return json.dumps({"queue": "q", "jobSetId": "s", "jobRequestItems": [item]}).encode()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_rest_body_over_4_mib_is_429(server: ServerProcess, chunked: bool) -> None:
    status, body = _post(server.http_port, _big_submit_body(5 * MiB), chunked=chunked)
    assert status == 429
    error = json.loads(body)
    assert error["code"] == 8  # RESOURCE_EXHAUSTED, in the gateway's error body
    assert "request body larger than max" in error["message"]


def test_a_gzip_rest_body_counts_as_sent(server: ServerProcess) -> None:
    # No Content-Encoding is decoded (as Armada's gateway): the bytes sent are the body.
    status, _ = _post(server.http_port, gzip.compress(_big_submit_body(5 * MiB)))
    assert status == 400  # small enough, and not JSON


def _peak_rss(server: ServerProcess) -> int:
    status = Path(f"/proc/{server.proc.pid}/status").read_text()
    line = next(x for x in status.splitlines() if x.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


def _stream_body(port: int, total: int, *, chunked: bool) -> tuple[int, int]:
    """Send up to `total` bytes of body while the server reads; (status, bytes sent)."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    head = f"POST /v1/job/submit HTTP/1.1\r\nHost: t\r\n{framing}\r\n\r\n".encode()
    piece = b" " * MiB
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        while sent < total:
            readable, writable, _ = select.select([sock], [sock], [], 5)
            if readable or not writable:
                break  # the server answered, or stopped reading
            try:
                sent += sock.send(chunk)
            except OSError:
                break
        status, _ = _response(sock)
    return status, sent


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_200_mb_rest_body_is_refused_without_reading_it(
    server: ServerProcess, chunked: bool
) -> None:
    before = _peak_rss(server)
    status, sent = _stream_body(server.http_port, 200 * 1000 * 1000, chunked=chunked)
    assert status == 429
    assert sent < 50 * MiB  # the server stopped reading near the limit
    assert _peak_rss(server) - before < 48 * MiB


def test_a_200_mb_grpc_message_is_refused_without_reading_it(
    server: ServerProcess, channel: grpc.Channel
) -> None:
    before = _peak_rss(server)
    error = _grpc_error(channel, _submit_with_annotation(200 * 1000 * 1000))
    assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert _peak_rss(server) - before < 48 * MiB
