"""Event conversions: watch requests and StoredEvent → api.EventStreamMessage."""

from __future__ import annotations

from typing import Any

import pytest
from wire_helpers import assert_valid, normalised

from armada_adapters.wire.convert import events
from armada_core.commands import WatchJobSet
from armada_core.events import Event, EventId, EventKind, StoredEvent
from armada_core.jobs import Job
from armada_core.kube_pod import KubePodSpec

AT_NS = 1_712_345_678_901_000_000
CREATED = {"seconds": 1_712_345_678, "nanos": 901_000_000}


def _stored(kind: EventKind, fields: dict[str, Any] | None = None, **kw: Any) -> StoredEvent:
    event = Event(kind, "j1", AT_NS, fields or {}, **kw)
    return StoredEvent(EventId(1712345678901, 0, 1, True), "q", "s", event)


def test_job_set_request() -> None:
    body = {"id": "s", "queue": "q", "watch": True, "fromMessageId": "1-0", "errorIfMissing": True}
    assert events.watch_job_set(normalised(body, "api.JobSetRequest")) == WatchJobSet(
        "q", "s", "1-0", watch=True, error_if_missing=True
    )
    assert events.watch_job_set({"id": "s", "queue": "q"}) == WatchJobSet("q", "s")


def test_watch_request_always_watches_and_errors_if_missing() -> None:
    body = {"queue": "q", "jobSetId": "s", "fromId": "1:0:0:1"}
    assert events.watch_request(normalised(body, "api.WatchRequest")) == WatchJobSet(
        "q", "s", "1:0:0:1", watch=True, error_if_missing=True
    )


def test_event_stream_message_shape() -> None:
    out = events.event_stream_message(_stored(EventKind.QUEUED))
    assert out == {
        "id": "1712345678901:0:1:1",
        "message": {"queued": {"jobId": "j1", "jobSetId": "s", "queue": "q", "created": CREATED}},
    }
    assert_valid(out, "api.EventStreamMessage")


@pytest.mark.parametrize(
    ("kind", "fields", "expected"),
    [
        (EventKind.LEASED, {"cluster_id": "c", "pool": "p"}, {"clusterId": "c", "pool": "p"}),
        (
            EventKind.LEASE_RETURNED,
            {"reason": "r", "run_attempted": True, "pod_number": 0},
            {"reason": "r", "runAttempted": True},
        ),
        (EventKind.LEASE_EXPIRED, {}, {}),
        (
            EventKind.PENDING,
            {"pod_name": "p", "pod_namespace": "ns"},
            {"podName": "p", "podNamespace": "ns"},
        ),
        (EventKind.RUNNING, {"node_name": "n"}, {"nodeName": "n"}),
        (
            EventKind.FAILED,
            {
                "reason": "oom",
                "cause": 2,
                "retryable": False,
                "failure_category": "x",
                "container_statuses": [{"name": "c", "exitCode": 137, "cause": 2}],
            },
            {
                "reason": "oom",
                "containerStatuses": [{"name": "c", "exitCode": 137, "cause": 2}],
                "cause": 2,
                "failureCategory": "x",
            },
        ),
        (EventKind.SUCCEEDED, {"kubernetes_id": "k"}, {"kubernetesId": "k"}),
        (
            EventKind.REPRIORITIZED,
            {"new_priority": 2.0, "requestor": "ann"},
            {"newPriority": 2.0, "requestor": "ann"},
        ),
        (EventKind.REPRIORITIZING, {"new_priority": 0.0, "requestor": "ann"}, {"requestor": "ann"}),
        (EventKind.CANCELLING, {"requestor": "ann", "reason": ""}, {"requestor": "ann"}),
        (EventKind.CANCELLED, {"requestor": "ann"}, {"requestor": "ann"}),
        (
            EventKind.UTILISATION,
            {
                "MaxResourcesForPeriod": {"cpu": "1"},
                "total_cumulative_usage": {"cpu": "2"},
                "AvgResourcesForPeriod": {"memory": "1Gi"},
            },
            {
                "MaxResourcesForPeriod": {"cpu": "1"},
                "totalCumulativeUsage": {"cpu": "2"},
                "AvgResourcesForPeriod": {"memory": "1Gi"},
            },
        ),
        (
            EventKind.INGRESS_INFO,
            {"ingress_addresses": {8080: "h:1"}},
            {"ingressAddresses": {"8080": "h:1"}},
        ),
        (
            EventKind.PREEMPTED,
            {"run_id": "r", "preempting_job_id": "j2", "requestor": "a"},
            {"runId": "r", "preemptingJobId": "j2", "requestor": "a"},
        ),
        (
            EventKind.PREEMPTING,
            {"requestor": "a", "reason": "why"},
            {"requestor": "a", "reason": "why"},
        ),
    ],
)
def test_event_kinds(kind: EventKind, fields: dict[str, Any], expected: dict[str, Any]) -> None:
    out = events.event_stream_message(_stored(kind, fields))
    base = {"jobId": "j1", "jobSetId": "s", "queue": "q", "created": CREATED}
    assert out["message"] == {events.case_key(kind): {**base, **expected}}
    assert_valid(out, "api.EventStreamMessage")


def test_case_keys_are_camel_case() -> None:
    assert events.case_key(EventKind.LEASE_RETURNED) == "leaseReturned"
    assert events.case_key(EventKind.INGRESS_INFO) == "ingressInfo"
    assert {events.case_key(k) for k in EventKind} >= {"submitted", "leaseExpired"}


def test_submitted_event_carries_the_job() -> None:
    pod = {"containers": [{"name": "c"}]}
    job = Job("j1", "q", "s", "ns", "ann", ("everyone",), 1, AT_NS, KubePodSpec(pod))
    out = events.event_stream_message(_stored(EventKind.SUBMITTED, job=job))
    submitted = out["message"]["submitted"]
    assert list(submitted) == ["jobId", "jobSetId", "queue", "created", "job"]
    assert submitted["job"]["podSpec"] is pod  # passed through, not re-encoded
    assert submitted["job"]["queueOwnershipUserGroups"] == ["everyone"]
    assert_valid(out, "api.EventStreamMessage")


def test_event_fields_that_do_not_fit_the_schema_are_a_server_bug() -> None:
    with pytest.raises(ValueError, match="reprioritized event fields"):
        events.event_stream_message(_stored(EventKind.REPRIORITIZED, {"new_priority": "high"}))
