"""watch's client-side job tracking and its lines, on synthetic events (spec §10)."""

from __future__ import annotations

from armada_cli.fetch import request
from armada_cli.watch import JobStates, event_of, failure_lines, summary_line


def event(kind: str, seconds: int, **fields: object) -> tuple[str, object]:
    body = {"jobId": "j1", "created": {"seconds": seconds}, **fields}
    return event_of(request("api.EventMessage", {kind: body}))


def test_pod_events_failure_and_kubectl_hint() -> None:
    states = JobStates()
    for kind, seconds, fields in (
        ("submitted", 1, {"job": {"namespace": "ns"}}),
        ("queued", 2, {}),
        ("leased", 3, {"clusterId": "c1"}),
        ("running", 4, {"clusterId": "c1", "podNumber": 0}),
    ):
        states.apply(*event(kind, seconds, **fields))
    assert states.counts()["Running"] == 1 and not states.inactive()
    states.apply(*event("queued", 1))  # older than the last update: ignored
    assert states.counts()["Running"] == 1

    kind, failed = event("failed", 5, clusterId="c1", podNumber=0, reason="OOMKilled")
    states.apply(kind, failed)
    assert states.inactive()
    line = summary_line(states, kind, failed)
    assert line.endswith("Failed:   1, Cancelled:   0 | JobFailedEvent, job id: j1 pod: 0")
    assert line.startswith("Jan  1 00:00:05 | ")
    assert failure_lines(states, failed, "") == [
        "Job failed: OOMKilled",
        "Found no logs for job; try 'kubectl --context c1 -n ns logs armada-j1-0 --tail=50'",
    ]


def test_retryable_failure_returns_the_job_to_the_queue() -> None:
    states = JobStates()
    states.apply(*event("leased", 1, clusterId="c1"))
    states.apply(*event("failed", 2, retryable=True, podNumber=0))
    assert states.counts()["Queued"] == 1 and not states.inactive()


def test_a_failure_category_gets_a_line_of_its_own() -> None:
    states = JobStates()
    oom = {"failureCategory": "oom", "reason": "main exited"}
    assert failure_lines(states, event("failed", 1, **oom)[1], "") == [
        "Job failed: main exited",
        "Failure category: oom",
    ]
    expired = {"failureCategory": "internal", "failureSubcategory": "lease-expired"}
    assert failure_lines(states, event("failed", 1, reason="gone", **expired)[1], "")[1] == (
        "Failure category: internal/lease-expired"
    )
