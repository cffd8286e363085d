"""Authorization through the real adapters: every global permission, queue verbs, scopes, claims.

One service for the module, configured as the server is (`auth.permission*Mapping`
read by `permissions_for`). Basic user `has-<p>` holds only permission `p`;
`lacks-<p>` holds every other one. A refusal must be gRPC PERMISSION_DENIED or REST
403 with the gateway's body (the unary `{"error","code","message"}`, or the error
object of a refused stream) and must change nothing. Queue verbs: `owner` owns one
queue, `member` (group `team`) is granted submit/cancel/watch on another, and neither
holds any global permission. OpenID tokens get permissions from their scopes and
claim names.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from matrix_identities import OPENID_SECTION, basic, bearer, fake_idp
from matrix_support import (
    PERMISSION_DENIED,
    PROTOCOLS,
    Reply,
    Stack,
    by_name,
    events,
    job_set,
    new_priority,
    open_stack,
    queue_request,
    submit_request,
    update,
    with_job,
)

from armada_adapters.wire.operations import OPERATIONS
from armada_core.executors import Executor, ExecutorSettings
from armada_core.permissions import USER_FACING
from armada_core.retry.policy import RetryAction, RetryPolicy

pytestmark = pytest.mark.anyio

PASSWORD = "pw"
PERMISSIONS = tuple(p.value for p in USER_FACING)  # the global permissions the API checks
SUBMIT_SCOPE, WATCH_CLAIM = "armada.submit", "armada_watcher"


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """Module scope, so the server below lives for the whole module."""
    return "asyncio"


def users() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for p in PERMISSIONS:
        found[f"has-{p}"] = {"password": PASSWORD, "groups": [f"g-{p}"]}
        others = [f"g-{q}" for q in PERMISSIONS if q != p]
        found[f"lacks-{p}"] = {"password": PASSWORD, "groups": others}
    found["owner"] = {"password": PASSWORD}
    found["member"] = {"password": PASSWORD, "groups": ["team"]}
    return found


def auth_config() -> dict[str, Any]:
    return {
        "basicAuth": {"users": users()},
        "openIdAuth": OPENID_SECTION,
        "permissionGroupMapping": {p: [f"g-{p}"] for p in PERMISSIONS},
        "permissionScopeMapping": {"submit_any_jobs": [SUBMIT_SCOPE]},
        "permissionClaimMapping": {"watch_all_events": [WATCH_CLAIM]},
    }


@pytest.fixture(scope="module")
async def stack() -> AsyncIterator[Stack]:
    async with fake_idp() as plugins, open_stack(auth_config(), plugins=plugins) as running:
        yield running


def as_user(user: str) -> str:
    return basic(user, PASSWORD)


def assert_denied(reply: Reply, path: str, *message_parts: str) -> None:
    """PERMISSION_DENIED; on REST 403 with the unary or (for a stream) the stream error body."""
    assert reply.code == PERMISSION_DENIED, reply
    for part in message_parts:
        assert part in reply.message
    if reply.protocol != "rest":
        return
    assert reply.http_status == 403
    unary = {"error": reply.message, "code": PERMISSION_DENIED, "message": reply.message}
    stream = {
        "error": {
            "grpc_code": PERMISSION_DENIED,
            "http_code": 403,
            "message": reply.message,
            "http_status": "Forbidden",
        }
    }
    assert reply.body == (stream if OPERATIONS[path].streaming else unary)


# --- global permissions ---------------------------------------------------------------

Request = Callable[[str], dict[str, Any]]
Observe = Callable[[Stack, str], Awaitable[Any]]  # what the action changes, read before/after


@dataclass(frozen=True, slots=True)
class Action:
    """One RPC guarded by `permission`, run against a fresh queue."""

    permission: str
    path: str
    request: Request
    grpc_only: bool = False
    setup: dict[str, Any] | None = field(default_factory=dict)  # None: no queue beforehand
    observe: Observe | None = None
    prepare: Observe | None = None  # more set-up than a queue, before `observe`

    @property
    def name(self) -> str:
        return self.path.strip("/").replace("/", "-")


async def state(stack: Stack, name: str) -> Any:
    stored = await stack.storage.get_queue(name)
    return None if stored is None else (stored.priority_factor, stored.cordoned)


def policy_name(queue: str) -> str:
    """A retry policy named after the test's queue (policy names are DNS labels)."""
    return queue.replace(".", "-")


def policy_request(queue: str) -> dict[str, Any]:
    return {"name": policy_name(queue), "retryLimit": 4, "defaultAction": "Retry"}


async def policy_state(stack: Stack, queue: str) -> Any:
    stored = await stack.storage.get_retry_policy(policy_name(queue))
    return None if stored is None else stored.retry_limit


async def add_policy(stack: Stack, queue: str) -> None:
    policy = RetryPolicy(policy_name(queue), 1, RetryAction.FAIL)
    await stack.storage.upsert_retry_policy(policy)


async def settings_state(stack: Stack, executor: str) -> Any:
    found = [s for s in await stack.storage.list_executor_settings() if s.executor_id == executor]
    return [(s.cordoned, s.cordon_reason) for s in found]


async def add_settings(stack: Stack, executor: str) -> None:
    await stack.storage.upsert_executor_settings(ExecutorSettings(executor, True, "before"))


async def executor_state(stack: Stack, executor: str) -> Any:
    return [e.id for e in await stack.storage.list_executors() if e.id == executor]


async def add_executor(stack: Stack, executor: str) -> None:
    await stack.storage.upsert_executor(Executor(executor, "default", 1))


def cordon_request(executor: str) -> dict[str, Any]:
    return {"name": executor, "cordoned": True, "cordonReason": "matrix"}


def on_node(executor: str) -> dict[str, Any]:
    return {"name": "node-1", "executor": executor}


ACTIONS = (
    Action("submit_any_jobs", "/api.Submit/SubmitJobs", submit_request),
    Action("cancel_any_jobs", "/api.Submit/CancelJobs", with_job),
    Action("cancel_any_jobs", "/api.Submit/CancelJobSet", job_set),
    Action("cancel_any_jobs", "/api.QueueService/CancelOnQueue", by_name, grpc_only=True),
    Action("preempt_any_jobs", "/api.Submit/PreemptJobs", with_job),
    Action("preempt_any_jobs", "/api.QueueService/PreemptOnQueue", by_name, grpc_only=True),
    Action("reprioritize_any_jobs", "/api.Submit/ReprioritizeJobs", new_priority),
    Action("watch_all_events", "/api.Event/GetJobSetEvents", events),
    Action("watch_all_events", "/api.Submit/GetQueueInfo", by_name),
    Action("create_queue", "/api.Submit/CreateQueue", queue_request, setup=None, observe=state),
    Action("create_queue", "/api.Submit/UpdateQueue", update, observe=state),
    Action("delete_queue", "/api.Submit/DeleteQueue", by_name, observe=state),
    Action("cordon_queue", "/api.QueueService/CordonQueue", by_name, grpc_only=True, observe=state),
    Action(
        "cordon_queue",
        "/api.QueueService/UncordonQueue",
        by_name,
        grpc_only=True,
        setup={"cordoned": True},
        observe=state,
    ),
    # api.QueueService repeats the queue administration of api.Submit (no REST routes).
    Action(
        "create_queue",
        "/api.QueueService/CreateQueue",
        queue_request,
        grpc_only=True,
        setup=None,
        observe=state,
    ),
    Action("create_queue", "/api.QueueService/UpdateQueue", update, grpc_only=True, observe=state),
    Action("delete_queue", "/api.QueueService/DeleteQueue", by_name, grpc_only=True, observe=state),
    Action(
        "create_retry_policy",
        "/api.RetryPolicyService/CreateRetryPolicy",
        policy_request,
        setup=None,
        observe=policy_state,
    ),
    Action(
        "update_retry_policy",
        "/api.RetryPolicyService/UpdateRetryPolicy",
        policy_request,
        setup=None,
        observe=policy_state,
        prepare=add_policy,
    ),
    Action(
        "delete_retry_policy",
        "/api.RetryPolicyService/DeleteRetryPolicy",
        lambda queue: {"name": policy_name(queue)},
        setup=None,
        observe=policy_state,
        prepare=add_policy,
    ),
    Action(
        "update_executor_settings",
        "/api.Executor/UpsertExecutorSettings",
        cordon_request,
        setup=None,
        observe=settings_state,
    ),
    Action(
        "update_executor_settings",
        "/api.Executor/DeleteExecutorSettings",
        by_name,
        setup=None,
        observe=settings_state,
        prepare=add_settings,
    ),
    Action(
        "update_executor_settings",
        "/api.Executor/DeleteExecutor",
        by_name,
        setup=None,
        observe=executor_state,
        prepare=add_executor,
    ),
    Action("cancel_any_jobs", "/api.Executor/CancelOnExecutor", by_name, setup=None),
    Action("preempt_any_jobs", "/api.Executor/PreemptOnExecutor", by_name, setup=None),
    Action("cancel_any_jobs", "/api.Node/CancelOnNode", on_node, setup=None),
    Action("preempt_any_jobs", "/api.Node/PreemptOnNode", on_node, setup=None),
)


def action_params() -> list[Any]:
    return [
        pytest.param(protocol, action, id=f"{protocol}-{action.permission}-{action.name}")
        for action in ACTIONS
        for protocol in PROTOCOLS
        if protocol == "grpc" or not action.grpc_only
    ]


def test_every_user_facing_permission_is_exercised() -> None:
    assert {a.permission for a in ACTIONS} == set(PERMISSIONS)
    # submit, cancel, preempt, reprioritize, watch, queue admin, retry policy admin,
    # executor settings
    assert len(PERMISSIONS) == 12


@pytest.mark.parametrize(("protocol", "action"), action_params())
@pytest.mark.parametrize("holds", [True, False], ids=["holder", "lacking"])
async def test_global_permission(protocol: str, action: Action, holds: bool, stack: Stack) -> None:
    queue = f"{action.name}-{protocol}-{holds}".lower()
    if action.setup is not None:
        await stack.add_queue(queue, **action.setup)
    if action.prepare is not None:
        await action.prepare(stack, queue)
    before = await action.observe(stack, queue) if action.observe else None
    user = f"{'has' if holds else 'lacks'}-{action.permission}"
    reply = await stack.callers[protocol].call(action.path, action.request(queue), as_user(user))
    after = await action.observe(stack, queue) if action.observe else None
    if holds:
        assert reply.ok, reply
        assert action.observe is None or after != before
    else:
        assert_denied(reply, action.path, f"user {user} lacks permission {action.permission}")
        assert after == before


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("path", ["/api.Submit/CreateQueues", "/api.Submit/UpdateQueues"])
@pytest.mark.parametrize("holds", [True, False], ids=["holder", "lacking"])
async def test_batched_queue_calls_report_refusals_per_queue(
    protocol: str, path: str, holds: bool, stack: Stack
) -> None:
    """As in Armada, CreateQueues/UpdateQueues succeed and list each refused queue."""
    queue = f"batch-{path[-12:]}-{protocol}-{holds}".lower()
    if path.endswith("UpdateQueues"):
        await stack.add_queue(queue)
    user = f"{'has' if holds else 'lacks'}-create_queue"
    body = {"queues": [queue_request(queue, priorityFactor=3, userOwners=["setup"])]}
    reply = await stack.callers[protocol].call(path, body, as_user(user))
    assert reply.ok, reply
    failed = reply.result.get("failedQueues", [])
    stored = await stack.storage.get_queue(queue)
    if holds:
        assert failed == [] and stored is not None and stored.priority_factor == 3
    else:
        ((failure,),) = [failed]
        assert f"user {user} lacks permission create_queue" in failure["error"]
        assert stored is None or stored.priority_factor == 1


@pytest.mark.parametrize("holds", [True, False], ids=["holder", "lacking"])
async def test_legacy_watch_checks_the_watch_permission(holds: bool, stack: Stack) -> None:
    """api.Event/Watch (gRPC only) always follows, so the holder is shown past the check
    by the next one: the job set must exist (NOT_FOUND), where the others get DENIED."""
    await stack.add_queue("legacy-watch")
    user = f"{'has' if holds else 'lacks'}-watch_all_events"
    request = {"queue": "legacy-watch", "jobSetId": "never-submitted"}
    reply = await stack.callers["grpc"].call("/api.Event/Watch", request, as_user(user))
    if holds:
        assert (reply.code, "never-submitted" in reply.message) == (5, True), reply
    else:
        assert_denied(reply, "/api.Event/Watch", f"user {user} lacks permission watch_all_events")


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_job_owner_and_cancel_user_are_the_callers(protocol: str, stack: Stack) -> None:
    """The names the core records are the authenticated principals' names."""
    queue, caller = f"jobs-{protocol}", stack.callers[protocol]
    submitter, canceller = "has-submit_any_jobs", "has-cancel_any_jobs"
    await stack.add_queue(queue)
    submitted = await caller.call(
        "/api.Submit/SubmitJobs", submit_request(queue), as_user(submitter)
    )
    (item,) = submitted.result["jobResponseItems"]
    job_id = item["jobId"]
    cancel = {**job_set(queue), "jobIds": [job_id]}
    assert (await caller.call("/api.Submit/CancelJobs", cancel, as_user(canceller))).ok
    request = {"jobIds": [job_id], "expandJobSpec": True}
    details = await caller.call("/api.Jobs/GetJobDetails", request, as_user("owner"))
    job = details.result["jobDetails"][job_id]
    assert (job["jobSpec"]["owner"], job["cancelUser"]) == (submitter, canceller)


# --- queue verbs: owners and permission entries ---------------------------------------

SUBMIT = "/api.Submit/SubmitJobs"
VERB_CALLS: dict[str, tuple[str, Request]] = {
    "submit": (SUBMIT, submit_request),
    "cancel": ("/api.Submit/CancelJobSet", job_set),
    "watch": ("/api.Event/GetJobSetEvents", events),
    "watch-info": ("/api.Submit/GetQueueInfo", by_name),
    "preempt": ("/api.Submit/PreemptJobs", with_job),
    "reprioritize": ("/api.Submit/ReprioritizeJobs", new_priority),
}
GRANTED = ["submit", "cancel", "watch"]
VERB_QUEUES: dict[str, dict[str, Any]] = {
    "owned": {"userOwners": ["owner"]},
    "team-owned": {"userOwners": ["setup"], "groupOwners": ["team"]},
    "shared": {
        "userOwners": ["setup"],
        "permissions": [{"subjects": [{"kind": "Group", "name": "team"}], "verbs": GRANTED}],
    },
    "foreign": {"userOwners": ["setup"]},
}


@pytest.fixture(scope="module")
async def verb_queues(stack: Stack) -> None:
    """The queues above, created over the API by a user allowed to create queues."""
    for name, extra in VERB_QUEUES.items():
        request = queue_request(name, **extra)
        reply = await stack.callers["grpc"].call(
            "/api.Submit/CreateQueue", request, as_user("has-create_queue")
        )
        assert reply.ok, reply


VERB_ROWS = [
    *[("owner", "owned", verb, True) for verb in VERB_CALLS],
    *[("owner", "foreign", verb, False) for verb in VERB_CALLS],
    *[("member", "shared", verb, True) for verb in ["submit", "cancel", "watch", "watch-info"]],
    *[("member", "shared", verb, False) for verb in ["preempt", "reprioritize"]],
    *[("member", "team-owned", verb, True) for verb in VERB_CALLS],
    *[("member", "foreign", verb, False) for verb in VERB_CALLS],
    *[("owner", "shared", verb, False) for verb in GRANTED],
]
VERB_GLOBAL = {"watch-info": "watch_all_events", "watch": "watch_all_events"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    ("user", "queue", "verb", "allowed"),
    VERB_ROWS,
    ids=[f"{u}-{q}-{v}-{'allowed' if a else 'denied'}" for u, q, v, a in VERB_ROWS],
)
async def test_queue_verbs(
    protocol: str, user: str, queue: str, verb: str, allowed: bool, stack: Stack, verb_queues: None
) -> None:
    path, request = VERB_CALLS[verb]
    reply = await stack.callers[protocol].call(path, request(queue), as_user(user))
    if allowed:
        assert reply.ok, reply
        return
    plain_verb = verb.removesuffix("-info")
    permission = VERB_GLOBAL.get(verb, f"{plain_verb}_any_jobs")
    assert_denied(
        reply,
        path,
        f"user {user} lacks permission {permission} and verb {plain_verb} on queue {queue}",
    )


QUEUE_WIDE = [
    ("/api.QueueService/CancelOnQueue", "cancel_any_jobs"),
    ("/api.QueueService/PreemptOnQueue", "preempt_any_jobs"),
    ("/api.QueueService/CordonQueue", "cordon_queue"),
    ("/api.Submit/DeleteQueue", "delete_queue"),
    ("/api.Submit/UpdateQueue", "create_queue"),
]


@pytest.mark.parametrize(("path", "permission"), QUEUE_WIDE, ids=[p for p, _ in QUEUE_WIDE])
async def test_owning_a_queue_grants_no_queue_wide_operation(
    path: str, permission: str, stack: Stack, verb_queues: None
) -> None:
    """Owners get the five job verbs only; queue-wide actions need the global permission."""
    request = queue_request("owned", userOwners=["owner"])
    reply = await stack.callers["grpc"].call(path, request, as_user("owner"))
    assert_denied(reply, path, f"user owner lacks permission {permission}")
    assert await stack.storage.get_queue("owned") is not None


# --- OpenID scopes and claims ---------------------------------------------------------

INFO, EVENTS = "/api.Submit/GetQueueInfo", "/api.Event/GetJobSetEvents"
TOKEN_ROWS = [
    ("scope-grants-submit", SUBMIT, {"sub": "scoped", "scope": f"openid {SUBMIT_SCOPE}"}, True),
    ("no-scope-no-submit", SUBMIT, {"sub": "unscoped"}, False),
    ("scope-name-as-claim-is-no-scope", SUBMIT, {"sub": "claimed", SUBMIT_SCOPE: True}, False),
    ("claim-grants-watch", INFO, {"sub": "watcher", WATCH_CLAIM: False}, True),
    ("claim-grants-watch-stream", EVENTS, {"sub": "watcher", WATCH_CLAIM: 1}, True),
    ("no-claim-no-watch", INFO, {"sub": "plain"}, False),
    ("claim-name-as-scope-is-no-claim", EVENTS, {"sub": "s", "scope": WATCH_CLAIM}, False),
]
TOKEN_REQUESTS: dict[str, Request] = {SUBMIT: submit_request, INFO: by_name, EVENTS: events}


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    ("path", "claims", "allowed"),
    [row[1:] for row in TOKEN_ROWS],
    ids=[row[0] for row in TOKEN_ROWS],
)
async def test_openid_scope_and_claim_mappings(
    protocol: str, path: str, claims: dict[str, Any], allowed: bool, stack: Stack, verb_queues: None
) -> None:
    reply = await stack.callers[protocol].call(
        path, TOKEN_REQUESTS[path]("foreign"), bearer(**claims)
    )
    if allowed:
        assert reply.ok, reply
    else:
        assert_denied(reply, path, f"user {claims['sub']} lacks permission")
