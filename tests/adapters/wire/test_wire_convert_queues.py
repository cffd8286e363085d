"""Queue conversions: api.Queue and friends ⇄ core values."""

from __future__ import annotations

import pytest
from wire_helpers import assert_valid, normalised

from armada_adapters.wire.convert import queues
from armada_adapters.wire.errors import WireDecodeError
from armada_core.commands import CancelOnQueue, PreemptOnQueue
from armada_core.errors import InvalidArgument, NotFound
from armada_core.jobs import JobSetActivity, JobState
from armada_core.queues import (
    PoolResourceLimits,
    PriorityClassResourceLimits,
    Queue,
    QueuePermission,
    QueueSpec,
    Subject,
)
from armada_core.results import QueueFailure, QueueInfo

LIMITS = {
    "armada-default": PriorityClassResourceLimits(
        maximum_resource_fraction={"cpu": 0.5},
        maximum_resource_fraction_by_pool={"gpu": PoolResourceLimits({"nvidia.com/gpu": 0.25})},
    ),
    "armada-preemptible": PriorityClassResourceLimits(),
}
LIMITS_JSON = {
    "armada-default": {
        "maximumResourceFraction": {"cpu": 0.5},
        "maximumResourceFractionByPool": {
            "gpu": {"maximumResourceFraction": {"nvidia.com/gpu": 0.25}}
        },
    },
    "armada-preemptible": {},
}
PERMISSION = QueuePermission((Subject("Group", "ops"), Subject("User", "ann")), ("submit", "watch"))
PERMISSION_JSON = {
    "subjects": [{"kind": "Group", "name": "ops"}, {"kind": "User", "name": "ann"}],
    "verbs": ["submit", "watch"],
}


def test_queue_spec_from_a_client_request() -> None:
    body = {
        "name": "q",
        "priorityFactor": 2,
        "userOwners": ["ann"],
        "groupOwners": ["ops"],
        "resourceLimitsByPriorityClassName": LIMITS_JSON,
        "permissions": [PERMISSION_JSON],
        "cordoned": True,
        "labels": {"team": "a"},
        "retryPolicies": ["p1"],
    }
    spec = queues.queue_spec(normalised(body, "api.Queue"))
    assert spec == QueueSpec(
        name="q",
        priority_factor=2.0,
        user_owners=("ann",),
        group_owners=("ops",),
        permissions=(PERMISSION,),
        resource_limits_by_priority_class_name=LIMITS,
        cordoned=True,
        labels={"team": "a"},
        retry_policies=("p1",),
    )


def test_empty_queue_request_gives_defaults() -> None:
    assert queues.queue_spec({}) == QueueSpec(name="", priority_factor=0.0)
    assert queues.queue_specs({"queues": [{"name": "a"}, {"name": "b"}]}) == [
        QueueSpec(name="a"),
        QueueSpec(name="b"),
    ]


def test_queue_json_never_has_owners() -> None:
    queue = Queue(
        name="q",
        priority_factor=1.0,
        permissions=(PERMISSION,),
        resource_limits_by_priority_class_name=LIMITS,
        cordoned=True,
        labels={"b": "2", "a": "1"},
        retry_policies=("p",),
    )
    out = queues.queue_json(queue)
    assert out == {
        "name": "q",
        "priorityFactor": 1.0,
        "resourceLimitsByPriorityClassName": LIMITS_JSON,
        "permissions": [PERMISSION_JSON],
        "cordoned": True,
        "labels": {"a": "1", "b": "2"},
        "retryPolicies": ["p"],
    }
    assert_valid(out, "api.Queue")
    assert queues.queue_json(Queue(name="bare", priority_factor=0.0)) == {"name": "bare"}


def test_spec_round_trips_through_its_json() -> None:
    spec = QueueSpec(
        name="q",
        priority_factor=3.0,
        user_owners=("u",),
        group_owners=("g",),
        permissions=(PERMISSION,),
        resource_limits_by_priority_class_name=LIMITS,
    )
    out = queues.queue_spec_json(spec)
    assert_valid(out, "api.Queue")
    assert queues.queue_spec(out) == spec


def test_streaming_queue_messages() -> None:
    message = queues.streaming_queue(Queue(name="q", priority_factor=1.0))
    assert message == {"Event": {"queue": {"name": "q", "priorityFactor": 1.0}}}
    assert queues.streaming_end() == {"Event": {"end": {}}}
    assert_valid(message, "api.StreamingQueueMessage")
    assert_valid(queues.streaming_end(), "api.StreamingQueueMessage")


def test_batch_failures_carry_go_status_text() -> None:
    failures = [
        QueueFailure(QueueSpec(name="a", user_owners=("u",)), InvalidArgument("error: bad")),
        QueueFailure(QueueSpec(name="b", priority_factor=1.0), NotFound("missing")),
    ]
    out = queues.batch_queue_response(failures)
    assert out == {
        "failedQueues": [
            {
                "queue": {"name": "a", "userOwners": ["u"]},
                "error": "rpc error: code = InvalidArgument desc = error: bad",
            },
            {
                "queue": {"name": "b", "priorityFactor": 1.0},
                "error": "rpc error: code = NotFound desc = missing",
            },
        ]
    }
    assert_valid(out, "api.BatchQueueCreateResponse")
    assert_valid(out, "api.BatchQueueUpdateResponse")
    assert queues.batch_queue_response([]) == {}


def test_queue_info() -> None:
    info = QueueInfo("q", (JobSetActivity("s1", 2, 0), JobSetActivity("s2", 0, 3)))
    out = queues.queue_info_json(info)
    assert out == {
        "name": "q",
        "activeJobSets": [{"name": "s1", "queuedJobs": 2}, {"name": "s2", "leasedJobs": 3}],
    }
    assert_valid(out, "api.QueueInfo")
    assert queues.queue_info_json(QueueInfo("q", ())) == {"name": "q"}


def test_simple_queue_requests() -> None:
    assert queues.queue_name(normalised({"name": "q"}, "api.QueueGetRequest")) == "q"
    assert queues.queue_limit(normalised({"num": 5}, "api.StreamingQueueGetRequest")) == 5
    assert queues.queue_limit({}) == 0


def test_cancel_and_preempt_on_queue() -> None:
    body = {"name": "q", "priorityClasses": ["pc"], "jobStates": ["RUNNING", 0], "pools": ["p"]}
    assert queues.cancel_on_queue(normalised(body, "api.QueueCancelRequest")) == CancelOnQueue(
        name="q",
        priority_classes=("pc",),
        job_states=(JobState.RUNNING, JobState.QUEUED),
        pools=("p",),
    )
    preempt = normalised({"name": "q", "priorityClasses": ["pc"]}, "api.QueuePreemptRequest")
    assert queues.preempt_on_queue(preempt) == PreemptOnQueue("q", ("pc",))


def test_unknown_job_state_number_is_a_bad_request() -> None:
    with pytest.raises(WireDecodeError) as caught:
        queues.cancel_on_queue(normalised({"jobStates": [42]}, "api.QueueCancelRequest"))
    assert caught.value.path == "jobStates[0]"
