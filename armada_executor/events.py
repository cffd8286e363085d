"""The events Armada's executor sends about a run, as `armadaevents.EventSequence`s.

Assigned when the pod exists, Running when its first process started, then Succeeded, or
a terminal `JobRunErrors`: a `PodError` with one `ContainerError` per failed container,
or `PodLeaseReturned` when the pod could not start for a reason that may pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from armada_core.retry.categories import INTERNAL, POD_MISSING
from armada_executor.messages import EventSequence
from armada_executor.outcome import Outcome, Phase

LOST_MESSAGE = (
    "the executor stopped while this pod ran; its processes were killed when it restarted"
)


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What names a run in its events."""

    run_id: str
    job_id: str
    queue: str
    job_set: str
    owner: str = ""
    namespace: str = "default"
    pod_name: str = ""


@dataclass(frozen=True, slots=True)
class Node:
    """Where events say the pod is."""

    executor_id: str
    node_name: str
    pool: str


def assigned(run: RunInfo, node: Node) -> Any:
    sequence, event = _sequence(run)
    _fill_placed(event.jobRunAssigned, run, node)
    return sequence


def running(run: RunInfo, node: Node) -> Any:
    sequence, event = _sequence(run)
    _fill_placed(event.jobRunRunning, run, node)
    return sequence


def ended(run: RunInfo, node: Node, outcome: Outcome) -> Any:
    """The final report of a run (never called for a cancelled one)."""
    sequence, event = _sequence(run)
    if outcome.phase is Phase.SUCCEEDED:
        done = event.jobRunSucceeded
        done.job_id, done.run_id = run.job_id, run.run_id
        _resource_info(done.resourceInfos.add(), run, node)
        return sequence
    errors = event.jobRunErrors
    errors.job_id, errors.run_id = run.job_id, run.run_id
    error = errors.errors.add(terminal=True)
    if outcome.phase is Phase.RETURNED:
        returned = error.podLeaseReturned
        _object_meta(returned.objectMeta, run, node)
        returned.message, returned.run_attempted = outcome.message, outcome.attempted
    else:
        _pod_error(error.podError, run, node, outcome)
        error.failure_category = outcome.category
        error.failure_subcategory = outcome.subcategory
    return sequence


def lost(run: RunInfo, node: Node) -> Any:
    """The final report of a run an earlier executor process left unfinished."""
    return ended(
        run, node, Outcome(Phase.FAILED, LOST_MESSAGE, category=INTERNAL, subcategory=POD_MISSING)
    )


def _pod_error(pod_error: Any, run: RunInfo, node: Node, outcome: Outcome) -> None:
    _object_meta(pod_error.objectMeta, run, node)
    pod_error.message = outcome.message
    pod_error.node_name = node.node_name
    pod_error.kubernetes_reason = outcome.kubernetes_reason
    for failure in outcome.failures:
        container = pod_error.containerErrors.add()
        container.objectMeta.name = failure.name
        container.exit_code = failure.exit_code
        container.message = failure.message
        container.reason = failure.reason
        container.kubernetes_reason = failure.kubernetes_reason


def _sequence(run: RunInfo) -> tuple[Any, Any]:
    sequence = EventSequence(queue=run.queue, job_set_name=run.job_set, user_id=run.owner)
    event = sequence.events.add()
    event.created.GetCurrentTime()
    return sequence, event


def _fill_placed(message: Any, run: RunInfo, node: Node) -> None:
    message.job_id, message.run_id, message.pool = run.job_id, run.run_id, node.pool
    _resource_info(message.resourceInfos.add(), run, node)


def _resource_info(info: Any, run: RunInfo, node: Node) -> None:
    _object_meta(info.objectMeta, run, node)
    info.podInfo.node_name = node.node_name
    info.podInfo.pod_number = 0


def _object_meta(meta: Any, run: RunInfo, node: Node) -> None:
    meta.executor_id = node.executor_id
    meta.namespace = run.namespace
    meta.name = run.pod_name or f"armada-{run.job_id}-0"
    meta.kubernetes_id = run.run_id
