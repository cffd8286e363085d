"""Retry policies applied, over real sockets: Armada's executor played with grpcio and
Armada's own descriptors, the user side with the official armada-client (and REST).

- "retry on OOM, memory x1.5, limit 2": three runs of the same job, each leased pod
  asking for more memory and avoiding the nodes tried, then `failed` naming the policy;
- "retry on preemption": a preempted job comes back as a new run;
- no policy: an OOM fails the job as before, its category shown on gRPC, REST and
  GetJobErrors.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from armada_client.armada import event_pb2, submit_pb2, submit_pb2_grpc
from armada_client.client import ArmadaClient
from e2e_support import ServerProcess
from executor_client import (
    DEADLINE,
    Executor,
    MetadataAuth,
    basic,
    basic_auth_config,
    lease_request,
    leases,
    node,
    one_server,
    up,
)
from google.protobuf.message import Message
from test_e2e_executor import USERS, events, kinds, submit

pytestmark = pytest.mark.e2e
OOM_REASON = 2  # armadaevents.KubernetesReason OOM
PERMISSIONS = (
    "submit_any_jobs",
    "cancel_any_jobs",
    "create_queue",
    "watch_all_events",
    "preempt_any_jobs",
    "create_retry_policy",
)
NODES = ("node-1", "node-2", "node-3")


def server_config(cwd: Path) -> dict[str, object]:
    mapping: dict[str, list[str]] = {p: ["team"] for p in PERMISSIONS}
    mapping["execute_jobs"] = ["executors"]
    return basic_auth_config(cwd, USERS, mapping)


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from one_server(tmp_path_factory, "retry-server", server_config)


@pytest.fixture
def channel(server: ServerProcess) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.grpc_target) as channel:
        yield channel


@pytest.fixture
def alice(channel: grpc.Channel) -> grpc.Channel:
    return grpc.intercept_channel(channel, MetadataAuth(basic("alice", "alice-secret")))


@pytest.fixture
def client(alice: grpc.Channel) -> ArmadaClient:
    return ArmadaClient(alice)


@pytest.fixture
def executor(channel: grpc.Channel) -> Executor:
    return Executor(channel, basic("executor", "exec-secret"))


def make_queue(
    client: ArmadaClient, alice: grpc.Channel, policy: submit_pb2.RetryPolicy | None
) -> str:
    names = []
    if policy is not None:
        submit_pb2_grpc.RetryPolicyServiceStub(alice).CreateRetryPolicy(policy, timeout=DEADLINE)
        names.append(policy.name)
    queue = f"queue-{uuid.uuid4().hex[:8]}"
    client.create_queue(submit_pb2.Queue(name=queue, priority_factor=1, retry_policies=names))
    return queue


def policy(
    name: str, category: str, subcategory: str = "", **mutate: object
) -> submit_pb2.RetryPolicy:
    rule = submit_pb2.RetryRule(
        action=submit_pb2.RETRY_ACTION_RETRY,
        on_category=category,
        on_subcategory=subcategory,
        mutate=submit_pb2.RetryMutation(**mutate) if mutate else None,
    )
    return submit_pb2.RetryPolicy(
        name=name, retry_limit=2, default_action=submit_pb2.RETRY_ACTION_FAIL, rules=[rule]
    )


def grow_and_avoid() -> dict[str, object]:
    return {
        "affinity": submit_pb2.RetryAffinityMutation(avoid_same_node=True),
        "resources": submit_pb2.RetryResourceMutation(
            memory=submit_pb2.RetryResourceBump(factor=1.5)
        ),
    }


def next_lease(executor: Executor, name: str, *held: str) -> Message:
    """The next new lease for executor `name` (three nodes; `held` runs are reported)."""
    deadline = time.monotonic() + DEADLINE
    runs = dict.fromkeys(held, "RUNNING")
    while time.monotonic() < deadline:
        nodes = [node(n, runs=runs if n == "node-1" else None) for n in NODES]
        got = [g for g in leases(executor.lease(lease_request(*nodes, executor=name)))
               if g.job_run_id not in held]  # fmt: skip
        if got:
            return got[0]
        time.sleep(0.1)
    raise AssertionError("no lease came")


def oom_event(lease: Message) -> Message:
    container = up(
        "armadaevents.ContainerError",
        objectMeta=up("armadaevents.ObjectMeta", name="main"),
        exit_code=137,
        message="out of memory",
        reason="OOMKilled",
        kubernetes_reason=OOM_REASON,
    )
    error = up(
        "armadaevents.Error",
        terminal=True,
        failure_category="oom",
        podError=up(
            "armadaevents.PodError",
            message="container main was OOM killed",
            node_name=lease.job.mainObject.pod_spec.pod_spec.nodeSelector["kubernetes.io/hostname"],
            kubernetes_reason=OOM_REASON,
            containerErrors=[container],
        ),
    )
    errors = up(
        "armadaevents.JobRunErrors",
        errors=[error],
        job_id=lease.job.job_id,
        run_id=lease.job_run_id,
    )
    return up("armadaevents.EventSequence.Event", created={"seconds": 1}, jobRunErrors=errors)


def memory(lease: Message) -> tuple[str, str]:
    resources = lease.job.mainObject.pod_spec.pod_spec.containers[0].resources
    return resources.requests["memory"].string, resources.limits["memory"].string


def avoided(lease: Message) -> list[str]:
    pod = lease.job.mainObject.pod_spec.pod_spec
    required = pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
    return [
        value
        for term in required.nodeSelectorTerms
        for expression in term.matchExpressions
        if expression.key == "kubernetes.io/hostname" and expression.operator == "NotIn"
        for value in expression.values
    ]


def failed_events(client: ArmadaClient, queue: str) -> list[Message]:
    return [m.message.failed for m in events(client, queue, "set") if m.message.HasField("failed")]


def wait_for_state(client: ArmadaClient, job_id: str, state: str) -> None:
    deadline = time.monotonic() + DEADLINE
    want = submit_pb2.JobState.Value(state)
    while client.get_job_status([job_id]).job_states[job_id] != want:
        assert time.monotonic() < deadline, f"job never became {state}"
        time.sleep(0.1)


def test_an_oom_under_a_policy_is_retried_twice_with_more_memory_then_fails_naming_it(
    client: ArmadaClient, alice: grpc.Channel, executor: Executor
) -> None:
    queue = make_queue(client, alice, policy("oom-retry", "oom", **grow_and_avoid()))
    [job_id] = submit(client, queue, "set")
    name = f"cluster-{uuid.uuid4().hex[:6]}"
    seen = []
    for attempt in range(3):
        lease = next_lease(executor, name)
        assert lease.job.job_id == job_id
        placed = lease.job.mainObject.pod_spec.pod_spec.nodeSelector["kubernetes.io/hostname"]
        seen.append((memory(lease), avoided(lease), placed))
        executor.report(oom_event(lease), queue=queue, job_set="set")
        wait_for_state(client, job_id, "QUEUED" if attempt < 2 else "FAILED")
    assert [m for m, _, _ in seen] == [("1Gi", "1Gi"), ("1536Mi", "1536Mi"), ("2304Mi", "2304Mi")]
    first, second, third = (p for _, _, p in seen)
    assert [a for _, a, _ in seen] == [[], [first], [first, second]]
    assert len({first, second, third}) == 3
    failed = failed_events(client, queue)
    assert [f.retryable for f in failed] == [True, True, False]
    assert {f.failure_category for f in failed} == {"oom"}
    assert 'retry policy "oom-retry" rule 0: matched rule: Retry' in failed[0].reason
    assert failed[2].reason.startswith(
        'Retry policy: retry policy "oom-retry" rule 0: policy retry limit exceeded (2/2)'
    )
    error = client.get_job_errors([job_id]).job_errors[job_id]
    assert "oom-retry" in error and error.endswith("Failure category: oom")
    kinds_seen = kinds(events(client, queue, "set"))
    assert kinds_seen.count("leased") == 3 and kinds_seen[-1] == "failed"


def test_a_preempted_job_under_a_preemption_policy_comes_back_as_a_new_run(
    client: ArmadaClient, alice: grpc.Channel, executor: Executor
) -> None:
    queue = make_queue(client, alice, policy("preempted", "internal", "preempted"))
    [job_id] = submit(client, queue, "set")
    name = f"cluster-{uuid.uuid4().hex[:6]}"
    first = next_lease(executor, name)
    client.preempt_jobs(queue=queue, job_set_id="set", job_id=job_id)
    wait_for_state(client, job_id, "QUEUED")
    second = next_lease(executor, name, first.job_run_id)
    assert second.job.job_id == job_id and second.job_run_id != first.job_run_id
    [failed] = failed_events(client, queue)
    assert failed.retryable and failed.failure_category == "internal"
    assert failed.failure_subcategory == "preempted"
    assert kinds(events(client, queue, "set"))[-3:] == ["preempting", "failed", "leased"]


def test_without_a_policy_an_oom_fails_the_job_with_its_category_everywhere(
    server: ServerProcess, client: ArmadaClient, alice: grpc.Channel, executor: Executor
) -> None:
    queue = make_queue(client, alice, None)
    [job_id] = submit(client, queue, "set")
    lease = next_lease(executor, f"cluster-{uuid.uuid4().hex[:6]}")
    executor.report(oom_event(lease), queue=queue, job_set="set")
    wait_for_state(client, job_id, "FAILED")
    [failed] = failed_events(client, queue)
    assert (failed.reason, failed.retryable) == ("container main was OOM killed", False)
    assert failed.failure_category == "oom" and failed.cause == event_pb2.Cause.Value("OOM")
    auth = {"authorization": basic("alice", "alice-secret")[0][1]}
    with httpx.Client(base_url=f"http://127.0.0.1:{server.http_port}", headers=auth) as http:
        lines = http.post(f"/v1/job-set/{queue}/set", json={}, timeout=DEADLINE).text.splitlines()
        errors = http.post("/v1/job/errors", json={"jobIds": [job_id]}, timeout=DEADLINE).json()
    rest = [line for line in lines if '"failed"' in line]
    assert len(rest) == 1 and '"failureCategory":"oom"' in rest[0].replace(" ", "")
    assert errors["jobErrors"][job_id] == "container main was OOM killed\n\nFailure category: oom"


def test_the_example_policy_file_is_valid() -> None:
    from google.protobuf.json_format import MessageToDict

    from armada_adapters.wire.convert.retry_policies import retry_policy
    from armada_adapters.wire.pool import message_class
    from armada_cli import files, resources
    from armada_core.retry.policy import validate_policy

    path = Path(__file__).resolve().parents[2] / "examples" / "retry-policy.yaml"
    message = resources.retry_policy_from(files.read(str(path)))
    data = MessageToDict(message, use_integers_for_enums=True)
    assert message_class("api.RetryPolicy") is type(message)
    checked = validate_policy(retry_policy(data))
    assert checked.name == "oom-retry" and len(checked.rules) == 4
