"""The cap on entries per request list, over real sockets: INVALID_ARGUMENT naming the
field and the cap, on gRPC and REST; the default cap lets a 10,000-job submit through."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from limits_support import ServerProcess, call, running_server, submit_request

pytestmark = pytest.mark.e2e

CAP = 10_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running_server(tmp_path_factory.mktemp("limits-items")) as process:
        with grpc.insecure_channel(process.grpc_target) as channel:
            call(
                channel,
                "/api.Submit/CreateQueue",
                {"name": "q", "priorityFactor": 1},
                "google.protobuf.Empty",
            )
        yield process


def _refusal(server: ServerProcess, path: str, request: dict[str, Any], reply: str) -> str:
    with grpc.insecure_channel(server.grpc_target) as channel, pytest.raises(grpc.RpcError) as e:
        call(channel, path, request, reply)
    assert e.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    return e.value.details() or ""


def test_a_submit_of_10000_jobs_is_accepted(server: ServerProcess) -> None:
    with grpc.insecure_channel(server.grpc_target) as channel:
        reply = call(
            channel,
            "/api.Submit/SubmitJobs",
            submit_request("q", "s", CAP),
            "api.JobSubmitResponse",
        )
    assert len(reply["jobResponseItems"]) == CAP


def test_one_job_over_the_cap_is_refused_naming_the_field(server: ServerProcess) -> None:
    details = _refusal(
        server, "/api.Submit/SubmitJobs", submit_request("q", "s", CAP + 1), "api.JobSubmitResponse"
    )
    assert "JobRequestItems" in details and f"at most {CAP}" in details


@pytest.mark.parametrize(
    ("path", "reply"),
    [
        ("/api.Submit/CancelJobs", "api.CancellationResult"),
        ("/api.Submit/ReprioritizeJobs", "api.JobReprioritizeResponse"),
        ("/api.Submit/PreemptJobs", "api.PreemptionResult"),
    ],
)
def test_ids_over_the_cap_are_refused_naming_the_field(
    server: ServerProcess, path: str, reply: str
) -> None:
    ids = [f"id-{n}" for n in range(CAP + 1)]
    details = _refusal(server, path, {"queue": "q", "jobSetId": "s", "jobIds": ids}, reply)
    assert "JobIds" in details and f"{CAP + 1} entries" in details


def test_rest_says_the_same_with_400(server: ServerProcess) -> None:
    body = json.dumps(submit_request("q", "s", CAP + 1)).encode()
    url = f"http://127.0.0.1:{server.http_port}/v1/job/submit"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=60)
    assert refused.value.code == 400
    error = json.loads(refused.value.read())
    assert error["code"] == 3 and "JobRequestItems" in error["message"]
