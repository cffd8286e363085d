"""`api.RetryPolicyService` over real sockets: the official runtime's stubs (grpcio,
armada-client's `submit_pb2_grpc`) and plain HTTP against the reference server."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import grpc
import httpx
import pytest
from armada_client.armada import submit_pb2, submit_pb2_grpc
from armada_client.client import ArmadaClient
from e2e_support import ServerProcess
from google.protobuf import empty_pb2

pytestmark = pytest.mark.e2e
TIMEOUT = 10.0


def unprefixed(message: str) -> str:
    """A failure message without the request id the server puts first."""
    return re.sub(r'^\[x-request-id: "[^"]*"\] ', "", message)


def details(error: grpc.RpcError) -> str:
    return unprefixed(error.details())  # type: ignore[attr-defined]


def new_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def policies(channel: grpc.Channel) -> submit_pb2_grpc.RetryPolicyServiceStub:
    return submit_pb2_grpc.RetryPolicyServiceStub(channel)


@pytest.fixture
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.http_port}", timeout=TIMEOUT) as c:
        yield c


def oom_policy(name: str, limit: int = 2) -> submit_pb2.RetryPolicy:
    grow = submit_pb2.RetryMutation(
        affinity=submit_pb2.RetryAffinityMutation(avoid_same_node=True),
        resources=submit_pb2.RetryResourceMutation(memory=submit_pb2.RetryResourceBump(factor=1.5)),
    )
    return submit_pb2.RetryPolicy(
        name=name,
        retry_limit=limit,
        default_action=submit_pb2.RETRY_ACTION_FAIL,
        rules=[
            submit_pb2.RetryRule(
                action=submit_pb2.RETRY_ACTION_RETRY, on_category="oom", mutate=grow
            ),
            submit_pb2.RetryRule(action=submit_pb2.RETRY_ACTION_FAIL, on_category="user_error"),
        ],
    )


def test_grpc_create_get_list_update_delete(
    policies: submit_pb2_grpc.RetryPolicyServiceStub, client: ArmadaClient
) -> None:
    name = new_name("oom")
    policies.CreateRetryPolicy(oom_policy(name), timeout=TIMEOUT)
    got = policies.GetRetryPolicy(submit_pb2.RetryPolicyGetRequest(name=name), timeout=TIMEOUT)
    assert got == oom_policy(name)
    listed = policies.GetRetryPolicies(submit_pb2.RetryPolicyListRequest(), timeout=TIMEOUT)
    assert name in [p.name for p in listed.retry_policies]
    policies.UpdateRetryPolicy(oom_policy(name, limit=4), timeout=TIMEOUT)
    got = policies.GetRetryPolicy(submit_pb2.RetryPolicyGetRequest(name=name), timeout=TIMEOUT)
    assert got.retry_limit == 4

    queue = new_name("queue")
    client.create_queue(submit_pb2.Queue(name=queue, priority_factor=1, retry_policies=[name]))
    assert list(client.get_queue(queue).retry_policies) == [name]
    result = policies.DeleteRetryPolicy(
        submit_pb2.RetryPolicyDeleteRequest(name=name), timeout=TIMEOUT
    )
    assert result == empty_pb2.Empty()
    assert list(client.get_queue(queue).retry_policies) == []  # detached
    with pytest.raises(grpc.RpcError) as caught:
        policies.GetRetryPolicy(submit_pb2.RetryPolicyGetRequest(name=name), timeout=TIMEOUT)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert details(caught.value) == f'error: could not find retry policy "{name}"'


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            submit_pb2.RetryPolicy(name="Bad", default_action=submit_pb2.RETRY_ACTION_FAIL),
            'invalid retry policy: retry policy name "Bad" is invalid: must consist of lowercase'
            " alphanumeric characters or '-', and must start and end with an alphanumeric"
            " character",
        ),
        (
            submit_pb2.RetryPolicy(name="no-default"),
            'invalid retry policy: retry policy "no-default" must set a default action'
            " (Fail or Retry)",
        ),
        (
            submit_pb2.RetryPolicy(
                name="p",
                default_action=submit_pb2.RETRY_ACTION_FAIL,
                rules=[submit_pb2.RetryRule(action=7, on_category="oom")],
            ),
            'invalid retry policy: retry policy "p" rule 0: action must be Fail or Retry',
        ),
    ],
)
def test_grpc_validation_errors(
    policies: submit_pb2_grpc.RetryPolicyServiceStub, policy: submit_pb2.RetryPolicy, expected: str
) -> None:
    for call in (policies.CreateRetryPolicy, policies.UpdateRetryPolicy):
        with pytest.raises(grpc.RpcError) as caught:
            call(policy, timeout=TIMEOUT)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert details(caught.value) == expected


def test_grpc_queue_naming_a_missing_policy_is_refused(client: ArmadaClient) -> None:
    queue = new_name("queue")
    with pytest.raises(grpc.RpcError) as caught:
        client.create_queue(submit_pb2.Queue(name=queue, priority_factor=1, retry_policies=["x"]))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert details(caught.value) == 'error creating queue: retry policies do not exist: "x"'
    with pytest.raises(grpc.RpcError) as caught:
        client.get_queue(queue)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


def test_rest_routes_and_short_action_names(http: httpx.Client) -> None:
    name = new_name("rest")
    body = {
        "name": name,
        "retryLimit": 3,
        "defaultAction": "fail",
        "rules": [
            {
                "action": "RETRY",
                "onCategory": "oom",
                "mutate": {"resources": {"memory": {"static": "1Gi"}}},
            }
        ],
    }
    assert http.post("/v1/retry-policy", json=body).json() == {}
    got = http.get(f"/v1/retry-policy/{name}")
    assert got.status_code == 200
    assert got.json() == {
        "name": name,
        "retryLimit": 3,
        "defaultAction": "Fail",
        "rules": [
            {
                "action": "Retry",
                "onCategory": "oom",
                "mutate": {"resources": {"memory": {"static": "1Gi"}}},
            }
        ],
    }
    # PUT: the path's name wins over the body's.
    put = http.put(f"/v1/retry-policy/{name}", json={"name": "other", "defaultAction": 2})
    assert put.status_code == 200
    assert http.get(f"/v1/retry-policy/{name}").json() == {"name": name, "defaultAction": "Retry"}
    names = [p["name"] for p in http.get("/v1/retry-policies").json()["retryPolicies"]]
    assert name in names and names == sorted(names)
    assert http.delete(f"/v1/retry-policy/{name}").status_code == 200
    assert http.delete(f"/v1/retry-policy/{name}").status_code == 200  # missing: fine


def test_rest_errors(http: httpx.Client) -> None:
    missing = http.get("/v1/retry-policy/nope")
    assert missing.status_code == 404
    assert missing.json()["code"] == 5
    assert unprefixed(missing.json()["message"]) == 'error: could not find retry policy "nope"'
    update = http.put("/v1/retry-policy/nope", json={"defaultAction": "Fail"})
    assert update.status_code == 404
    bad = http.post("/v1/retry-policy", json={"name": "p", "defaultAction": "Sometimes"})
    assert bad.status_code == 400
    assert 'no RetryAction of name "Sometimes"' in bad.json()["message"]
    invalid = http.post("/v1/retry-policy", json={"name": "p"})
    assert invalid.status_code == 400
    assert unprefixed(invalid.json()["message"]).startswith(
        'invalid retry policy: retry policy "p" must set'
    )


def test_swagger_documents_the_routes(http: httpx.Client) -> None:
    paths = http.get("/api/swagger.json").json()["paths"]
    assert {"post"} <= set(paths["/v1/retry-policy"])
    assert {"get", "put", "delete"} <= set(paths["/v1/retry-policy/{name}"])
    assert "get" in paths["/v1/retry-policies"]
