"""The access log: one line per request with its fields, JSON on request, no traceback
for a client's mistake."""

from __future__ import annotations

import json
import logging
import signal
import sys
from pathlib import Path

import httpx
import pytest
from grpclib.client import Channel
from grpclib.exceptions import GRPCError
from observability_support import running_server

from armada_adapters.grpc._betterproto import api
from armada_adapters.observability.access_log import AccessLog
from armada_adapters.observability.log_format import JsonFormatter
from armada_adapters.observability.record import RequestRecord

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "e2e"))
from e2e_support import ServerProcess

pytestmark = pytest.mark.anyio
ACCESS = "armada.access"


def _access(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ACCESS]


async def test_one_line_per_request_with_its_fields(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS)
    async with running_server(tmp_path) as endpoints, httpx.AsyncClient(timeout=10) as client:
        rest = f"http://127.0.0.1:{endpoints.http_port}"
        headers = {"x-request-id": "rest-1"}
        await client.post(
            f"{rest}/v1/queue", json={"name": "q", "priorityFactor": 1}, headers=headers
        )
        assert (await client.get(f"{rest}/health")).status_code == 204
        channel = Channel("127.0.0.1", endpoints.grpc_port)
        try:
            await api.SubmitStub(channel).health()
            with pytest.raises(GRPCError):
                await api.SubmitStub(channel).get_queue(
                    api.QueueGetRequest(name="nope"), metadata={"x-request-id": "grpc-1"}
                )
        finally:
            channel.close()
    records = _access(caplog)
    assert [r.fields["method"] for r in records] == [  # type: ignore[attr-defined]
        "POST /v1/queue",
        "/api.Submit/GetQueue",
    ]  # health checks left out by default
    rest_line, grpc_line = records
    assert rest_line.request_id == "rest-1"  # type: ignore[attr-defined]
    assert rest_line.fields["status"] == "200"  # type: ignore[attr-defined]
    assert rest_line.fields["principal"] == "anonymous"  # type: ignore[attr-defined]
    assert rest_line.levelno == logging.INFO
    assert grpc_line.request_id == "grpc-1"  # type: ignore[attr-defined]
    assert grpc_line.fields["status"] == "NOT_FOUND"  # type: ignore[attr-defined]
    assert grpc_line.fields["duration_ms"] >= 0  # type: ignore[attr-defined]
    text = grpc_line.getMessage()
    assert text.startswith("grpc /api.Submit/GetQueue NOT_FOUND ") and "principal=anonymous" in text


async def test_health_checks_logged_when_asked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS)
    logging_section = {"logging": {"healthChecks": True}}
    server = running_server(tmp_path, **logging_section)
    async with server as endpoints, httpx.AsyncClient(timeout=10) as client:
        await client.get(f"http://127.0.0.1:{endpoints.http_port}/health")
    assert [r.fields["method"] for r in _access(caplog)] == ["GET /health"]  # type: ignore[attr-defined]


async def test_requests_off_writes_no_access_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS)
    server = running_server(tmp_path, logging={"requests": False})
    async with server as endpoints, httpx.AsyncClient(timeout=10) as client:
        await client.post(
            f"http://127.0.0.1:{endpoints.http_port}/v1/queue",
            json={"name": "q", "priorityFactor": 1},
        )
    assert _access(caplog) == []


def test_executors_routine_calls_are_debug_lines_and_their_failures_info(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=ACCESS)
    log = AccessLog()
    for status in ("OK", "PERMISSION_DENIED"):
        log.finished(_record("/executorapi.ExecutorApi/LeaseJobRuns", status))
    log.finished(_record("/api.Submit/SubmitJobs", "OK"))
    levels = [(r.fields["method"], r.fields["status"], r.levelno) for r in _access(caplog)]  # type: ignore[attr-defined]
    assert levels == [
        ("/executorapi.ExecutorApi/LeaseJobRuns", "OK", logging.DEBUG),
        ("/executorapi.ExecutorApi/LeaseJobRuns", "PERMISSION_DENIED", logging.INFO),
        ("/api.Submit/SubmitJobs", "OK", logging.INFO),
    ]


def _record(method: str, status: str) -> RequestRecord:
    return RequestRecord("grpc", "", method, status, 0.001, "exec", "id", False, False)


def test_json_formatter_writes_one_object_with_the_fields() -> None:
    record = logging.LogRecord(ACCESS, logging.INFO, __file__, 1, "%s done", ("x",), None)
    record.request_id = "abc"
    record.fields = {"status": "OK", "duration_ms": 1.5}
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "x done" and data["level"] == "INFO"
    assert (data["request_id"], data["status"], data["duration_ms"]) == ("abc", "OK", 1.5)


def test_json_server_log_and_no_traceback_for_client_mistakes(tmp_path: Path) -> None:
    """A real `armada-server` with `logging.format: json`: every stderr line is one
    JSON object, and INVALID_ARGUMENT / NOT_FOUND answers print no traceback."""
    config = {"storage": {"backend": "memory"}, "logging": {"format": "json"}}
    server = ServerProcess(tmp_path, config, {}).wait_ready()
    try:
        rest = f"http://127.0.0.1:{server.http_port}"
        with httpx.Client(timeout=10) as client:
            client.post(f"{rest}/v1/queue", json={"name": "q", "priorityFactor": 1})
            bad = client.post(f"{rest}/v1/job/submit", json={"queue": "q", "jobSetId": ""})
            assert bad.status_code == 400
            assert client.post(f"{rest}/v1/job/submit", content=b"{not json").status_code == 400
            assert client.get(f"{rest}/v1/queue/nope").status_code == 404
    finally:
        assert server.stop(signal.SIGTERM) == 0
    log = server.stderr_text().splitlines()
    objects = [json.loads(line) for line in log]  # raises on any non-JSON line
    assert "Traceback" not in "\n".join(log)
    assert not any("exception" in o for o in objects)
    access = [o for o in objects if o["logger"] == ACCESS]
    assert [o["status"] for o in access] == ["200", "400", "400", "404"]
    assert all(o["request_id"] != "-" and o["principal"] == "anonymous" for o in access)
