"""The application service: the one entry into the core for every adapter.

Each method takes the authenticated principal and a command (or plain values),
checks permissions, applies the domain rules and talks to storage. Errors are
`armada_core.errors` classes only. The use cases themselves live in
`armada_core._usecases`, one module per area; this class wires them to the ports.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator

import anyio

from armada_core._usecases import (
    actions,
    browse,
    executor_ops,
    expiry,
    lease,
    queries,
    queues,
    report,
    retry_policies,
    schedule,
    scheduler_reports,
    submit,
)
from armada_core._usecases.browse import JobHistory
from armada_core._usecases.context import Context
from armada_core._usecases.submit_check import SubmitCheck
from armada_core.browse import GroupField, JobFilter, JobGroup, JobPage, JobQuery
from armada_core.clock import SystemClock
from armada_core.commands import (
    CancelJobs,
    CancelJobSet,
    CancelOnQueue,
    OnExecutor,
    OnNode,
    PreemptJobs,
    PreemptOnQueue,
    ReprioritizeJobs,
    SubmitJobs,
    WatchJobSet,
)
from armada_core.config import ServiceConfig
from armada_core.errors import Conflict
from armada_core.event_stream import open_job_set_event_pages, open_job_set_events
from armada_core.events import StoredEvent
from armada_core.execution import LeaseAnswer, LeaseCall, RunEvent
from armada_core.ids import UlidFactory
from armada_core.jobs import JobState
from armada_core.ports import Clock, IdFactory, Storage
from armada_core.principal import Principal
from armada_core.queues import Queue, QueueSpec
from armada_core.results import JobDetails, QueueFailure, QueueInfo
from armada_core.retry.policy import RetryPolicy
from armada_core.runs import Run

logger = logging.getLogger(__name__)


class ArmadaService:
    """Use cases of Armada's public API.

    `clock` defaults to the system clock and `ids` to ULIDs from that clock; tests
    pass fixed ones.
    """

    def __init__(
        self,
        storage: Storage,
        *,
        config: ServiceConfig | None = None,
        clock: Clock | None = None,
        ids: IdFactory | None = None,
    ) -> None:
        clock = clock if clock is not None else SystemClock()
        self._ctx = Context(
            storage=storage,
            config=config if config is not None else ServiceConfig(),
            clock=clock,
            ids=ids if ids is not None else UlidFactory(clock),
        )
        self._scheduling = anyio.Lock()
        self._scheduling_state = schedule.SchedulingState()
        self._submit_check = SubmitCheck()

    @property
    def config(self) -> ServiceConfig:
        """The configuration the service runs with."""
        return self._ctx.config

    # --- queues ----------------------------------------------------------------------

    async def create_queue(self, principal: Principal, spec: QueueSpec) -> None:
        """Create or update (upsert). Empty user owners become [caller]."""
        await queues.create_queue(self._ctx, principal, spec)

    async def update_queue(self, principal: Principal, spec: QueueSpec) -> None:
        """Replace an existing queue; NotFound if missing."""
        await queues.update_queue(self._ctx, principal, spec)

    async def create_queues(
        self, principal: Principal, specs: list[QueueSpec]
    ) -> list[QueueFailure]:
        """create_queue for each; failures are returned, not raised."""
        return await queues.create_queues(self._ctx, principal, specs)

    async def update_queues(
        self, principal: Principal, specs: list[QueueSpec]
    ) -> list[QueueFailure]:
        """update_queue for each; failures are returned, not raised."""
        return await queues.update_queues(self._ctx, principal, specs)

    async def delete_queue(self, principal: Principal, name: str) -> None:
        """Delete; missing is OK; FailedPrecondition while it has active jobs."""
        await queues.delete_queue(self._ctx, principal, name)

    async def get_queue(self, principal: Principal, name: str) -> Queue:
        """NotFound if missing."""
        return await queues.get_queue(self._ctx, principal, name)

    async def get_queues(self, principal: Principal, limit: int = 0) -> list[Queue]:
        """Sorted by name; limit 0 = all."""
        return await queues.get_queues(self._ctx, principal, limit)

    async def cordon_queue(self, principal: Principal, name: str) -> None:
        """Mark a queue cordoned (needs `cordon_queue`); NotFound if missing."""
        await queues.set_cordoned(self._ctx, principal, name, True)

    async def uncordon_queue(self, principal: Principal, name: str) -> None:
        """Clear a queue's cordon (needs `cordon_queue`); NotFound if missing."""
        await queues.set_cordoned(self._ctx, principal, name, False)

    async def cancel_on_queue(self, principal: Principal, command: CancelOnQueue) -> None:
        """Cancel a queue's active jobs matching the states and priority classes."""
        await actions.cancel_on_queue(self._ctx, principal, command)

    async def preempt_on_queue(self, principal: Principal, command: PreemptOnQueue) -> None:
        """Validate only: no job has a run to preempt until executors exist."""
        await actions.preempt_on_queue(self._ctx, principal, command)

    async def queue_info(self, principal: Principal, name: str) -> QueueInfo:
        """The legacy GetQueueInfo: job sets with queued or leased jobs."""
        return await queries.queue_info(self._ctx, principal, name)

    # --- retry policies --------------------------------------------------------------

    async def create_retry_policy(self, principal: Principal, policy: RetryPolicy) -> None:
        """Validate and store (upsert); needs `create_retry_policy`."""
        await retry_policies.create(self._ctx, principal, policy)

    async def update_retry_policy(self, principal: Principal, policy: RetryPolicy) -> None:
        """Validate and replace an existing policy; NotFound if missing."""
        await retry_policies.update(self._ctx, principal, policy)

    async def delete_retry_policy(self, principal: Principal, name: str) -> None:
        """Detach from every queue and delete; a missing policy is fine."""
        await retry_policies.delete(self._ctx, principal, name)

    async def get_retry_policy(self, principal: Principal, name: str) -> RetryPolicy:
        """NotFound if missing."""
        return await retry_policies.get(self._ctx, principal, name)

    async def get_retry_policies(self, principal: Principal) -> list[RetryPolicy]:
        """Every policy, sorted by name."""
        return await retry_policies.list_all(self._ctx, principal)

    # --- jobs ------------------------------------------------------------------------

    async def submit_jobs(self, principal: Principal, command: SubmitJobs) -> list[str]:
        """Job ids, one per item in order; duplicates carry the original id."""
        return await submit.submit_jobs(self._ctx, principal, command, self._submit_check)

    async def cancel_jobs(self, principal: Principal, command: CancelJobs) -> list[str]:
        """Cancelled ids as Armada echoes them; `[""]` for a whole job set."""
        return await actions.cancel_jobs(self._ctx, principal, command)

    async def cancel_job_set(self, principal: Principal, command: CancelJobSet) -> None:
        """Cancel a job set's jobs in exactly the given states (empty: all active)."""
        await actions.cancel_job_set(self._ctx, principal, command)

    async def reprioritize_jobs(
        self, principal: Principal, command: ReprioritizeJobs
    ) -> dict[str, str]:
        """id → error text ("" = ok); `all jobs in job set <id>` key without ids."""
        return await actions.reprioritize_jobs(self._ctx, principal, command)

    async def preempt_jobs(self, principal: Principal, command: PreemptJobs) -> dict[str, str]:
        """id → error text ("" = ok) for every requested id."""
        return await actions.preempt_jobs(self._ctx, principal, command)

    # --- events ----------------------------------------------------------------------

    async def job_set_events(
        self, principal: Principal, command: WatchJobSet
    ) -> AsyncGenerator[StoredEvent, None]:
        """Check eagerly (NotFound, PermissionDenied, bad id), then return the stream.

        The caller should `aclose()` the stream when it stops early.
        """
        return await open_job_set_events(
            self._ctx.storage,
            self._ctx.config.permissions,
            principal,
            command,
            batch_size=self._ctx.config.event_batch_size,
        )

    async def job_set_event_pages(
        self, principal: Principal, command: WatchJobSet
    ) -> AsyncGenerator[list[StoredEvent], None]:
        """`job_set_events`, a page (the events one read found, never empty) at a time."""
        return await open_job_set_event_pages(
            self._ctx.storage,
            self._ctx.config.permissions,
            principal,
            command,
            batch_size=self._ctx.config.event_batch_size,
        )

    # --- queries (authentication only) -------------------------------------------------

    async def job_status(self, principal: Principal, job_ids: list[str]) -> dict[str, JobState]:
        """Every requested id answered; unknown → UNKNOWN."""
        return await queries.job_status(self._ctx, job_ids)

    async def job_status_by_external_uri(
        self, principal: Principal, queue: str, job_set_id: str, uri: str
    ) -> dict[str, JobState]:
        """Jobs of the job set with this external URI; an empty URI is refused."""
        return await queries.job_status_by_external_uri(self._ctx, queue, job_set_id, uri)

    async def job_details(
        self,
        principal: Principal,
        job_ids: list[str],
        *,
        expand_job_spec: bool,
        expand_job_run: bool,
    ) -> dict[str, JobDetails]:
        """Known jobs' details; unknown ids are left out."""
        return await queries.job_details(
            self._ctx, job_ids, expand_job_spec=expand_job_spec, expand_job_run=expand_job_run
        )

    async def job_errors(self, principal: Principal, job_ids: list[str]) -> dict[str, str]:
        """Known jobs' error text ("" if none)."""
        return await queries.job_errors(self._ctx, job_ids)

    async def job_run_details(self, principal: Principal, run_ids: list[str]) -> dict[str, Run]:
        """Known runs by id; unknown ids are left out."""
        return await queries.job_run_details(self._ctx, run_ids)

    async def active_queues(self, principal: Principal) -> dict[str, list[str]]:
        """Pool → queues with leased, pending or running jobs."""
        return await queries.active_queues(self._ctx)

    async def browse_jobs(self, principal: Principal, query: JobQuery) -> JobPage:
        """A page of jobs matching a filter, found by position (the web UI's table)."""
        return await browse.browse_jobs(self._ctx, query)

    async def group_jobs(
        self, principal: Principal, filter: JobFilter, field: GroupField
    ) -> list[JobGroup]:
        """Jobs matching a filter counted per queue, job set or state, and per state."""
        return await browse.group_jobs(self._ctx, filter, field)

    async def job_history(self, principal: Principal, job_id: str) -> JobHistory:
        """A job and its events (NotFound if unknown)."""
        return await browse.job_history(self._ctx, job_id)

    async def job_changed(self, principal: Principal, job_id: str, since: str) -> bool:
        """Whether the job has events after message id `since` (a live view's check)."""
        return await browse.job_changed(self._ctx, job_id, since)

    # --- executor and node controls (api.Executor, api.Node) ---------------------------

    async def upsert_executor_settings(
        self, principal: Principal, name: str, cordoned: bool, reason: str
    ) -> None:
        """Cordon (with a reason) or uncordon an executor; needs `update_executor_settings`."""
        await executor_ops.upsert_settings(self._ctx, principal, name, cordoned, reason)

    async def delete_executor_settings(self, principal: Principal, name: str) -> None:
        """Drop an executor's settings (= uncordoned); missing is fine."""
        await executor_ops.delete_settings(self._ctx, principal, name)

    async def delete_executor(self, principal: Principal, name: str) -> None:
        """Forget an executor until its next lease call; missing is fine."""
        await executor_ops.delete_executor(self._ctx, principal, name)
        self._submit_check.forget()

    async def cancel_on_executor(self, principal: Principal, command: OnExecutor) -> None:
        """Cancel the matching jobs running on an executor (needs `cancel_any_jobs`)."""
        await executor_ops.cancel_on_executor(self._ctx, principal, command)

    async def preempt_on_executor(self, principal: Principal, command: OnExecutor) -> None:
        """Preempt the matching jobs running on an executor (needs `preempt_any_jobs`)."""
        await executor_ops.preempt_on_executor(self._ctx, principal, command)

    async def cancel_on_node(self, principal: Principal, command: OnNode) -> None:
        """Cancel the matching jobs running on a node (needs `cancel_any_jobs`)."""
        await executor_ops.cancel_on_node(self._ctx, principal, command)

    async def preempt_on_node(self, principal: Principal, command: OnNode) -> None:
        """Preempt the matching jobs running on a node (needs `preempt_any_jobs`)."""
        await executor_ops.preempt_on_node(self._ctx, principal, command)

    # --- scheduler reports (SchedulerReporting; no permission, as Armada) ------------------

    async def scheduling_report(
        self,
        principal: Principal,
        verbosity: int,
        queue: str | None = None,
        job_id: str | None = None,
    ) -> str:
        """Each pool's latest round (the deprecated queue/job filters: those reports)."""
        store = self._scheduling_state.reports
        return await scheduler_reports.scheduling_report(store, verbosity, queue, job_id)

    async def queue_report(self, principal: Principal, queue: str, verbosity: int) -> str:
        """What each pool's latest round did for a queue."""
        store = self._scheduling_state.reports
        return await scheduler_reports.queue_report(store, queue, verbosity)

    async def job_report(self, principal: Principal, job_id: str) -> str:
        """Each pool's latest round's verdict on a job, with its excluded nodes."""
        return await scheduler_reports.job_report(self._scheduling_state.reports, job_id)

    async def pending_reason(self, principal: Principal, job_id: str) -> str:
        """Why the latest rounds left a job waiting, one line ("" if they did not)."""
        return scheduler_reports.pending_reason(self._scheduling_state.reports, job_id)

    # --- executors (executorapi) -------------------------------------------------------

    async def lease_job_runs(self, principal: Principal, call: LeaseCall) -> LeaseAnswer:
        """An executor's heartbeat: store its snapshot, schedule if it may take work
        (decision E4), then answer the runs to cancel and to start (held, if the
        executor asked, until there is something to answer)."""
        lease.require_executor(self._ctx, principal)
        await lease.record_executor(self._ctx, call)
        self._submit_check.saw(call.executor)
        state = self._scheduling_state
        return await lease.answer_when_due(
            self._ctx, call, lambda: self._lease_now(call), lambda: state.left_queued
        )

    async def _lease_now(self, call: LeaseCall) -> LeaseAnswer:
        if call.max_jobs_to_lease > 0:
            try:
                await self.schedule()
            except Conflict as exc:  # busy: the periodic pass places the work soon
                logger.info("scheduling on lease call lost races, skipped: %s", exc.message)
        return await lease.answer(self._ctx, call)

    async def report_events(self, principal: Principal, events: list[RunEvent]) -> None:
        """Apply an executor's run events; job outcomes are decided at once (E2)."""
        lease.require_executor(self._ctx, principal)
        await report.report(self._ctx, events)

    async def schedule(self) -> int:
        """One scheduling pass (one at a time in this process); the jobs leased."""
        async with self._scheduling:
            return await schedule.schedule_pass(self._ctx, self._scheduling_state)

    async def expire_leases(self) -> int:
        """Fail the runs of executors silent past `executorTimeout`; the runs ended."""
        return await expiry.expire_leases(self._ctx)

    async def health(self) -> bool:
        """The service itself is always serving (Armada's Health checks nothing)."""
        return True
