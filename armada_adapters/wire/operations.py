"""The per-RPC glue both adapters share: method path → `Operation`.

An operation names its request and response messages and knows how to serve one
call: Go-JSON request dict → core command (`convert`) → `ArmadaService` use case →
Go-JSON response dict. The gRPC adapter decodes protobuf into that dict and the REST
adapter parses JSON into it, so no rule or mapping is written twice. SubmitJobs takes
the parsed request message instead (`takes_message`): both transports have it (REST
parses its JSON body into one at the edge), and its pod specs reach the core as
protobuf, with the same size and rules whichever transport sent them.

Unary calls return the response dict. Server streams (GetQueues, GetJobSetEvents,
Watch) return an async iterator of response dicts, or of `Page`s of replies read
together (the event streams: one page per storage read, see `pages`); every check
runs before the iterator is returned, so a transport can still answer a refusal
with a plain status.
Close the iterator (`aclose()`) when the client leaves early. The executor API's
LeaseJobRuns is bidirectional (`client_streaming`) but, as Armada serves it, reads one
request and answers it like a server stream, so it is served the same way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from google.protobuf.message import Message

from armada_adapters.wire.convert import (
    events,
    executor,
    executor_controls,
    jobs,
    queues,
    reports,
    retry_policies,
    submit,
)
from armada_adapters.wire.convert.common import JsonDict, empty, health_response
from armada_adapters.wire.limits import EXECUTOR_MAX_MESSAGE_BYTES
from armada_adapters.wire.pages import Page
from armada_core.commands import WatchJobSet
from armada_core.pacing import paced_map, paced_release
from armada_core.principal import Principal
from armada_core.service import ArmadaService

SERVICES = (
    "api.Submit",
    "api.QueueService",
    "api.RetryPolicyService",
    "api.Event",
    "api.Jobs",
    "api.Executor",
    "api.Node",
    "schedulerobjects.SchedulerReporting",
)
EXECUTOR_SERVICES = ("executorapi.ExecutorApi",)  # gRPC only (no HTTP rules)


@dataclass(frozen=True, slots=True)
class Hints:
    """Transport facts the core may use.

    `lease_wait_ns`: how long a lease call may be held (gRPC metadata, see
    `executor.LEASE_WAIT_HEADER`).
    """

    lease_wait_ns: int = 0


def hints_for(metadata: Mapping[str, Any] | None = None) -> Hints:
    """The hints a call's metadata give."""
    return Hints(
        lease_wait_ns=executor.lease_wait_ns((metadata or {}).get(executor.LEASE_WAIT_HEADER))
    )


StreamItem = JsonDict | Page[Any]
# The request is its Go-JSON dict, or the parsed message itself for `takes_message`.
UnaryCall = Callable[[ArmadaService, Principal, Any, Hints], Awaitable[JsonDict]]
StreamCall = Callable[[ArmadaService, Principal, Any, Hints], Awaitable[AsyncIterator[StreamItem]]]


@dataclass(frozen=True, slots=True)
class Operation:
    """One RPC: its message types (full names), whether it streams, and its call."""

    request_type_name: str
    response_type_name: str
    streaming: bool
    call: UnaryCall | StreamCall
    client_streaming: bool = False
    max_message_bytes: int | None = None  # its own request size limit (None: the server's)
    # The call takes the parsed request message rather than its Go-JSON dict: SubmitJobs,
    # whose pod specs go to the core as protobuf (`pod_spec.UpbPodSpec`), never as dicts.
    takes_message: bool = False

    async def call_unary(
        self, service: ArmadaService, principal: Principal, request: Any, hints: Hints
    ) -> JsonDict:
        """Serve a unary RPC: the response dict."""
        if self.streaming:
            raise TypeError(f"{self.response_type_name} is streamed; use open_stream")
        return await cast(UnaryCall, self.call)(service, principal, request, hints)

    async def open_stream(
        self, service: ArmadaService, principal: Principal, request: Any, hints: Hints
    ) -> AsyncIterator[StreamItem]:
        """Check and open a server stream: an async iterator of response dicts or pages."""
        if not self.streaming:
            raise TypeError(f"{self.response_type_name} is unary; use call_unary")
        return await cast(StreamCall, self.call)(service, principal, request, hints)


# ---- api.Submit: jobs ------------------------------------------------------------------


async def _submit_jobs(s: ArmadaService, p: Principal, r: Message, h: Hints) -> JsonDict:
    # `r` is the request message (`takes_message`). Paced: 10,000 items take long
    # enough to hold up other calls.
    items = await paced_map(submit.submit_item, r.job_request_items)  # type: ignore[attr-defined]
    job_ids = await s.submit_jobs(p, submit.submit_command(r, items))
    await paced_release(items)  # the command is gone: this list holds the last references
    return submit.submit_response(job_ids)


async def _cancel_jobs(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    return submit.cancellation_result(await s.cancel_jobs(p, submit.cancel_jobs(r)))


async def _cancel_job_set(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.cancel_job_set(p, submit.cancel_job_set(r))
    return empty()


async def _reprioritize(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    return submit.reprioritize_response(await s.reprioritize_jobs(p, submit.reprioritize_jobs(r)))


async def _preempt_jobs(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    return submit.preemption_result(await s.preempt_jobs(p, submit.preempt_jobs(r)))


async def _health(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    return health_response(await s.health())


# ---- queues (api.Submit and api.QueueService) ------------------------------------------


async def _create_queue(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.create_queue(p, queues.queue_spec(r))
    return empty()


async def _update_queue(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.update_queue(p, queues.queue_spec(r))
    return empty()


async def _create_queues(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    return queues.batch_queue_response(await s.create_queues(p, queues.queue_specs(r)))


async def _update_queues(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    return queues.batch_queue_response(await s.update_queues(p, queues.queue_specs(r)))


async def _delete_queue(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.delete_queue(p, queues.queue_name(r))
    return empty()


async def _get_queue(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    return queues.queue_json(await s.get_queue(p, queues.queue_name(r)))


async def _get_queues(
    s: ArmadaService, p: Principal, r: JsonDict, h: Hints
) -> AsyncIterator[JsonDict]:
    found = await s.get_queues(p, queues.queue_limit(r))

    async def stream() -> AsyncIterator[JsonDict]:
        for queue in found:
            yield queues.streaming_queue(queue)
        yield queues.streaming_end()  # always: armadactl fails a stream without it

    return stream()


async def _queue_info(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    return queues.queue_info_json(await s.queue_info(p, queues.queue_name(r)))


async def _cordon(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.cordon_queue(p, queues.queue_name(r))
    return empty()


async def _uncordon(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.uncordon_queue(p, queues.queue_name(r))
    return empty()


async def _preempt_on_queue(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.preempt_on_queue(p, queues.preempt_on_queue(r))
    return empty()


async def _cancel_on_queue(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.cancel_on_queue(p, queues.cancel_on_queue(r))
    return empty()


# ---- api.RetryPolicyService ----------------------------------------------------------------


async def _create_policy(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.create_retry_policy(p, retry_policies.retry_policy(r))
    return empty()


async def _update_policy(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.update_retry_policy(p, retry_policies.retry_policy(r))
    return empty()


async def _delete_policy(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.delete_retry_policy(p, retry_policies.policy_name(r))
    return empty()


async def _get_policy(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    policy = await s.get_retry_policy(p, retry_policies.policy_name(r))
    return retry_policies.retry_policy_json(policy)


async def _get_policies(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    return retry_policies.retry_policy_list_json(await s.get_retry_policies(p))


# ---- api.Executor and api.Node ----------------------------------------------------------


async def _upsert_settings(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.upsert_executor_settings(p, *executor_controls.settings(r))
    return empty()


async def _delete_settings(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.delete_executor_settings(p, executor_controls.executor_name(r))
    return empty()


async def _delete_executor(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.delete_executor(p, executor_controls.executor_name(r))
    return empty()


async def _cancel_on_executor(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.cancel_on_executor(p, executor_controls.on_executor(r))
    return empty()


async def _preempt_on_executor(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.preempt_on_executor(p, executor_controls.on_executor(r))
    return empty()


async def _cancel_on_node(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.cancel_on_node(p, executor_controls.on_node(r))
    return empty()


async def _preempt_on_node(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.preempt_on_node(p, executor_controls.on_node(r))
    return empty()


# ---- api.Event ---------------------------------------------------------------------------


async def _job_set_events(
    s: ArmadaService, p: Principal, r: JsonDict, h: Hints
) -> AsyncIterator[StreamItem]:
    return await _event_stream(s, p, events.watch_job_set(r))


async def _watch(
    s: ArmadaService, p: Principal, r: JsonDict, h: Hints
) -> AsyncIterator[StreamItem]:
    return await _event_stream(s, p, events.watch_request(r))


async def _event_stream(
    s: ArmadaService, p: Principal, command: WatchJobSet
) -> AsyncIterator[StreamItem]:
    pages = await s.job_set_event_pages(p, command)

    async def stream() -> AsyncIterator[StreamItem]:
        try:
            async for page in pages:
                yield events.EventPage(page)
        finally:
            await pages.aclose()  # the core's reader lets go of its change-feed waiter

    return stream()


# ---- api.Jobs ------------------------------------------------------------------------------


async def _job_status(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    return jobs.job_status_response(await s.job_status(p, jobs.job_ids(r)))


async def _status_by_uri(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    q = jobs.external_uri_query(r)
    states = await s.job_status_by_external_uri(p, q.queue, q.job_set_id, q.uri)
    return jobs.job_status_response(states)


async def _job_details(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    q = jobs.job_details_query(r)
    details = await s.job_details(
        p, q.job_ids, expand_job_spec=q.expand_job_spec, expand_job_run=q.expand_job_run
    )
    return jobs.job_details_response(details)


async def _job_errors(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    return jobs.job_errors_response(await s.job_errors(p, jobs.job_ids(r)))


async def _run_details(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    return jobs.job_run_details_response(await s.job_run_details(p, jobs.run_ids(r)))


async def _active_queues(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    return jobs.active_queues_response(await s.active_queues(p))


# ---- schedulerobjects.SchedulerReporting ----------------------------------------------------


async def _scheduling_report(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    q = reports.scheduling_report_query(r)
    return reports.report_json(await s.scheduling_report(p, q.verbosity, q.queue, q.job_id))


async def _queue_report(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    queue, verbosity = reports.queue_report_query(r)
    return reports.report_json(await s.queue_report(p, queue, verbosity))


async def _job_report(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    return reports.report_json(await s.job_report(p, reports.job_report_job_id(r)))


# ---- the table ------------------------------------------------------------------------------

_EMPTY = "google.protobuf.Empty"
_HEALTH = Operation(_EMPTY, "api.HealthCheckResponse", False, _health)
_QUEUE_OPS: Mapping[str, Operation] = {
    "CreateQueue": Operation("api.Queue", _EMPTY, False, _create_queue),
    "CreateQueues": Operation(
        "api.QueueList", "api.BatchQueueCreateResponse", False, _create_queues
    ),
    "UpdateQueue": Operation("api.Queue", _EMPTY, False, _update_queue),
    "UpdateQueues": Operation(
        "api.QueueList", "api.BatchQueueUpdateResponse", False, _update_queues
    ),
    "DeleteQueue": Operation("api.QueueDeleteRequest", _EMPTY, False, _delete_queue),
    "GetQueue": Operation("api.QueueGetRequest", "api.Queue", False, _get_queue),
    "GetQueues": Operation(
        "api.StreamingQueueGetRequest", "api.StreamingQueueMessage", True, _get_queues
    ),
}
_SUBMIT_OPS: Mapping[str, Operation] = {
    "SubmitJobs": Operation(
        "api.JobSubmitRequest", "api.JobSubmitResponse", False, _submit_jobs, takes_message=True
    ),
    "CancelJobs": Operation("api.JobCancelRequest", "api.CancellationResult", False, _cancel_jobs),
    "CancelJobSet": Operation("api.JobSetCancelRequest", _EMPTY, False, _cancel_job_set),
    "ReprioritizeJobs": Operation(
        "api.JobReprioritizeRequest", "api.JobReprioritizeResponse", False, _reprioritize
    ),
    "PreemptJobs": Operation("api.JobPreemptRequest", "api.PreemptionResult", False, _preempt_jobs),
    **_QUEUE_OPS,
    "Health": _HEALTH,
    "GetQueueInfo": Operation("api.QueueInfoRequest", "api.QueueInfo", False, _queue_info),
}
_QUEUE_SERVICE_OPS: Mapping[str, Operation] = {
    **_QUEUE_OPS,
    "CordonQueue": Operation("api.QueueCordonRequest", _EMPTY, False, _cordon),
    "UncordonQueue": Operation("api.QueueUncordonRequest", _EMPTY, False, _uncordon),
    "PreemptOnQueue": Operation("api.QueuePreemptRequest", _EMPTY, False, _preempt_on_queue),
    "CancelOnQueue": Operation("api.QueueCancelRequest", _EMPTY, False, _cancel_on_queue),
}
_RETRY_POLICY_OPS: Mapping[str, Operation] = {
    "CreateRetryPolicy": Operation("api.RetryPolicy", _EMPTY, False, _create_policy),
    "UpdateRetryPolicy": Operation("api.RetryPolicy", _EMPTY, False, _update_policy),
    "DeleteRetryPolicy": Operation("api.RetryPolicyDeleteRequest", _EMPTY, False, _delete_policy),
    "GetRetryPolicy": Operation("api.RetryPolicyGetRequest", "api.RetryPolicy", False, _get_policy),
    "GetRetryPolicies": Operation(
        "api.RetryPolicyListRequest", "api.RetryPolicyList", False, _get_policies
    ),
}
_EXECUTOR_CONTROL_OPS: Mapping[str, Operation] = {
    "UpsertExecutorSettings": Operation(
        "api.ExecutorSettingsUpsertRequest", _EMPTY, False, _upsert_settings
    ),
    "DeleteExecutorSettings": Operation(
        "api.ExecutorSettingsDeleteRequest", _EMPTY, False, _delete_settings
    ),
    "PreemptOnExecutor": Operation(
        "api.ExecutorPreemptRequest", _EMPTY, False, _preempt_on_executor
    ),
    "CancelOnExecutor": Operation("api.ExecutorCancelRequest", _EMPTY, False, _cancel_on_executor),
    "DeleteExecutor": Operation("api.ExecutorDeleteRequest", _EMPTY, False, _delete_executor),
}
_NODE_OPS: Mapping[str, Operation] = {
    "PreemptOnNode": Operation("api.NodePreemptRequest", _EMPTY, False, _preempt_on_node),
    "CancelOnNode": Operation("api.NodeCancelRequest", _EMPTY, False, _cancel_on_node),
}
_EVENT_OPS: Mapping[str, Operation] = {
    "GetJobSetEvents": Operation(
        "api.JobSetRequest", "api.EventStreamMessage", True, _job_set_events
    ),
    "Watch": Operation("api.WatchRequest", "api.EventStreamMessage", True, _watch),
    "Health": _HEALTH,
}
_JOBS_OPS: Mapping[str, Operation] = {
    "GetJobStatus": Operation("api.JobStatusRequest", "api.JobStatusResponse", False, _job_status),
    "GetJobStatusUsingExternalJobUri": Operation(
        "api.JobStatusUsingExternalJobUriRequest", "api.JobStatusResponse", False, _status_by_uri
    ),
    "GetJobDetails": Operation(
        "api.JobDetailsRequest", "api.JobDetailsResponse", False, _job_details
    ),
    "GetJobErrors": Operation("api.JobErrorsRequest", "api.JobErrorsResponse", False, _job_errors),
    "GetJobRunDetails": Operation(
        "api.JobRunDetailsRequest", "api.JobRunDetailsResponse", False, _run_details
    ),
    "GetActiveQueues": Operation(
        "api.GetActiveQueuesRequest", "api.GetActiveQueuesResponse", False, _active_queues
    ),
}
_REPORTING_OPS: Mapping[str, Operation] = {
    "GetSchedulingReport": Operation(
        "schedulerobjects.SchedulingReportRequest",
        "schedulerobjects.SchedulingReport",
        False,
        _scheduling_report,
    ),
    "GetQueueReport": Operation(
        "schedulerobjects.QueueReportRequest", "schedulerobjects.QueueReport", False, _queue_report
    ),
    "GetJobReport": Operation(
        "schedulerobjects.JobReportRequest", "schedulerobjects.JobReport", False, _job_report
    ),
}


# ---- executorapi.ExecutorApi -----------------------------------------------------------


async def _lease_job_runs(
    s: ArmadaService, p: Principal, r: JsonDict, h: Hints
) -> AsyncIterator[StreamItem]:
    answer = await s.lease_job_runs(p, executor.lease_call(r, h.lease_wait_ns))
    return _iterate([executor.LeasePage(executor.lease_messages(answer))])


async def _iterate(items: list[StreamItem]) -> AsyncIterator[StreamItem]:
    for item in items:
        yield item


async def _report_events(s: ArmadaService, p: Principal, r: JsonDict, h: Hints) -> JsonDict:
    await s.report_events(p, executor.run_events(r))
    return empty()


_EXECUTOR_OPS: dict[str, Operation] = {
    "LeaseJobRuns": Operation(
        "executorapi.LeaseRequest",
        "executorapi.LeaseStreamMessage",
        True,
        _lease_job_runs,
        client_streaming=True,
        max_message_bytes=EXECUTOR_MAX_MESSAGE_BYTES,
    ),
    "ReportEvents": Operation(
        "executorapi.EventList",
        _EMPTY,
        False,
        _report_events,
        max_message_bytes=EXECUTOR_MAX_MESSAGE_BYTES,
    ),
}


def _paths(service: str, ops: Mapping[str, Operation]) -> dict[str, Operation]:
    return {f"/{service}/{method}": op for method, op in ops.items()}


OPERATIONS: Mapping[str, Operation] = {
    **_paths("api.Submit", _SUBMIT_OPS),
    **_paths("api.QueueService", _QUEUE_SERVICE_OPS),
    **_paths("api.RetryPolicyService", _RETRY_POLICY_OPS),
    **_paths("api.Event", _EVENT_OPS),
    **_paths("api.Jobs", _JOBS_OPS),
    **_paths("api.Executor", _EXECUTOR_CONTROL_OPS),
    **_paths("api.Node", _NODE_OPS),
    **_paths("schedulerobjects.SchedulerReporting", _REPORTING_OPS),
    **_paths("executorapi.ExecutorApi", _EXECUTOR_OPS),
}
"""Every RPC of `SERVICES`, by gRPC method path (`/api.Submit/SubmitJobs`)."""


def operation(path: str) -> Operation:
    """The operation of a method path; KeyError names the path when it is not served."""
    try:
        return OPERATIONS[path]
    except KeyError:
        raise KeyError(f"no operation for {path}") from None
