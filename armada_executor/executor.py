"""The local executor: leases runs from the server, runs them here, reports what happened.

Every round (`task.jobLeaseRenewalInterval`, 1 s; at once after a run ends or a round
that brought leases) it sends one `LeaseRequest` shaped as Armada's executor shapes it
(the server may hold it until it has work to give): this machine as one node with
its total and free resources and every run it holds by state; leased runs it has not
started as unassigned; `max_jobs_to_lease` 0 while such runs wait. A leased run starts
when its requests fit what is free. A run is held (and reported) until its final report
was delivered, so the server never leases it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from armada_core.errors import ArmadaError
from armada_core.retry.categories import INTERNAL
from armada_core.retry.categories import ISSUE_HANDLER_ERROR as BROKE
from armada_core.retry.categories import JOB_CREATION_FAILED as NO_POD
from armada_executor import events
from armada_executor.backoff import Backoff
from armada_executor.capacity import Capacity, Resources
from armada_executor.categories import Categorizer
from armada_executor.client import TRANSIENT, IncompleteLease
from armada_executor.config import ExecutorConfig
from armada_executor.events import Node, RunInfo
from armada_executor.messages import (
    FAILED,
    PENDING,
    RUNNING,
    SUCCEEDED,
    EventSequence,
    LeaseRequest,
    NodeInfo,
)
from armada_executor.outcome import Outcome, Phase
from armada_executor.pod import HOSTNAME_LABEL, PodPlan, plan_pod
from armada_executor.registry import kill_leftover
from armada_executor.reporter import Reporter
from armada_executor.runner import Host, PodRun, Stop

logger = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 60.0
IMAGE_NOTE = (
    "local executor: containers run as processes of this machine; images are not pulled "
    "and only command/args are used"
)


class ExecutorApi(Protocol):
    async def lease(self, request: Any) -> list[Any]: ...

    async def report(self, events: Any) -> None: ...


@dataclass(slots=True)
class Run:
    info: RunInfo
    requests: Resources
    state: int  # the api.JobState number NodeInfo.run_ids_by_state carries
    plan: PodPlan | None = None
    pod: PodRun | None = None


class LocalExecutor:
    def __init__(self, config: ExecutorConfig, api: ExecutorApi, host: Host, capacity: Capacity):
        self._config = config
        self._categories = Categorizer(config.error_categories)
        self._api = api
        self._host = host
        self.capacity = capacity
        self._node = Node(config.cluster_id, config.local.node_name, config.pool)
        self.waiting: dict[str, Run] = {}  # leased, not started, in lease order
        self.active: dict[str, Run] = {}  # started, or ended with an undelivered final report
        self._wake = asyncio.Event()
        self._reporter = Reporter(api.report)
        self._supervisors: set[asyncio.Task[None]] = set()
        self._said_images = False
        self._pruned_at = 0.0

    async def run(self) -> None:
        """Recover from an earlier process, then lease and report until cancelled."""
        self.recover()
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._reporter.run())
                group.create_task(self._lease_loop())
        finally:
            for task in self._supervisors:
                task.cancel()
            await asyncio.gather(*self._supervisors, return_exceptions=True)

    def recover(self) -> None:
        """Kill what an earlier executor left running and report how its runs ended."""
        for record in self._host.registry.leftovers():
            killed = kill_leftover(record.groups)
            info = RunInfo(record.run_id, record.job_id, record.queue, record.job_set)
            if record.final_report is not None:
                final = EventSequence.FromString(bytes.fromhex(record.final_report))
            else:
                final = events.lost(info, self._node)
            done = final.events[0].WhichOneof("event") == "jobRunSucceeded"
            logger.info("run %s of an earlier executor: %d processes killed", record.run_id, killed)
            self.active[record.run_id] = Run(info, {}, SUCCEEDED if done else FAILED)
            self._reporter.add(final, partial(self._forget, record.run_id))
        if self._host.cgroups is not None:
            self._host.cgroups.sweep()
        self._host.workspace.sweep()
        self._host.logs.prune()

    def lease_request(self) -> Any:
        node = NodeInfo(name=self._node.node_name, pool=self._node.pool, node_type="local")
        node.labels[HOSTNAME_LABEL] = self._node.node_name
        free = self.capacity.free()
        for name, total in self.capacity.total.items():
            for field in (node.total_resources, node.allocatable_resources):
                field[name].string = total.canonical()
            node.available_resources[name].string = free[name].canonical()
        for run_id, run in self.active.items():
            node.run_ids_by_state[run_id] = run.state
        request = LeaseRequest(
            executor_id=self._node.executor_id,
            pool=self._node.pool,
            nodes=[node],
            max_jobs_to_lease=0 if self.waiting else self._config.max_leased_jobs,
            unassigned_job_run_ids=list(self.waiting),
        )
        for name, quantity in free.items():
            request.resources[name].string = quantity.canonical()
        return request

    def handle(self, messages: list[Any]) -> None:
        """Act on one lease round's messages, then start what fits."""
        for message in messages:
            kind = message.WhichOneof("event")
            if kind == "lease":
                self._accept(message.lease)
            elif kind == "cancel_runs":
                self._cancel(message.cancel_runs.job_run_ids_to_cancel)
            elif kind == "preempt_runs":
                self._cancel(message.preempt_runs.job_run_ids_to_preempt)
        self._admit()

    async def _lease_loop(self) -> None:
        backoff = Backoff(first=0.5)
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            started = loop.time()
            try:
                messages = await self._api.lease(self.lease_request())
            except (*TRANSIENT, IncompleteLease) as exc:
                delay = backoff.next()
                logger.warning("leasing failed (%s); again in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                continue
            backoff.reset()
            self.handle(messages)
            if any(m.WhichOneof("event") == "lease" for m in messages):
                continue  # more may be waiting; a server with nothing to give holds the call
            left = started + self._config.lease_interval_seconds - loop.time()  # start to start
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(left, 0.0))

    def _accept(self, lease: Any) -> None:
        run_id = lease.job_run_id
        if run_id in self.waiting or run_id in self.active:
            return  # a lease sent again before the server saw our report of it
        if not self._said_images:
            self._said_images = True
            logger.warning(IMAGE_NOTE)
        info = RunInfo(run_id, lease.job.job_id, lease.queue, lease.jobset, lease.user)
        try:
            plan = plan_pod(lease, self._node.node_name)
        except (ArmadaError, ValueError, KeyError, TypeError) as exc:
            message = f"the pod cannot run: {exc}"  # Armada's category of it (spec §2.2)
            cannot = Outcome(Phase.FAILED, message, category=INTERNAL, subcategory=NO_POD)
            self._end(Run(info, {}, FAILED), cannot)
            return
        info = RunInfo(run_id, plan.job_id, plan.queue, plan.job_set, lease.user,
                       plan.namespace, plan.pod_name)  # fmt: skip
        self.waiting[run_id] = Run(info, plan.requests, PENDING, plan)

    def _cancel(self, run_ids: Any) -> None:
        for run_id in run_ids:
            if self.waiting.pop(run_id, None) is not None:
                continue
            run = self.active.get(run_id)
            if run is not None and run.pod is not None:
                run.pod.stop(Stop.CANCEL)

    def _admit(self) -> None:
        for run_id, run in list(self.waiting.items()):
            if not self.capacity.could_ever_fit(run.requests):
                del self.waiting[run_id]
                message = "the pod requests more than this executor's node has"
                self._end(run, Outcome(Phase.RETURNED, message))
                continue
            if not self.capacity.fits(run.requests):
                return  # in lease order: a big job is not overtaken for ever by small ones
            del self.waiting[run_id]
            self._start(run)

    def _start(self, run: Run) -> None:
        assert run.plan is not None
        self.capacity.take(run.requests)
        run.pod = PodRun(run.plan, self._host, partial(self._running, run))
        self.active[run.info.run_id] = run
        self._reporter.add(events.assigned(run.info, self._node))
        task = asyncio.create_task(self._supervise(run))
        self._supervisors.add(task)
        task.add_done_callback(self._supervisors.discard)

    def _running(self, run: Run) -> None:
        run.state = RUNNING
        self._reporter.add(events.running(run.info, self._node))

    async def _supervise(self, run: Run) -> None:
        assert run.pod is not None
        try:
            outcome = await run.pod.run()
        except Exception:  # a bug must not leave the run held (and reported running) forever
            logger.exception("run %s: the executor failed", run.info.run_id)
            message = "the executor failed while running the pod"
            outcome = Outcome(Phase.FAILED, message, category=INTERNAL, subcategory=BROKE)
        finally:
            self.capacity.give_back(run.requests)
            self._wake.set()
        if outcome.phase is Phase.CANCELLED:
            self._forget(run.info.run_id)
        else:
            self._end(run, outcome)
        self._prune_now_and_then()

    def _end(self, run: Run, outcome: Outcome) -> None:
        """Hold the run as ended until its final report is delivered."""
        outcome = self._categories.categorize(outcome)
        final = events.ended(run.info, self._node, outcome)
        run.state = SUCCEEDED if outcome.phase is Phase.SUCCEEDED else FAILED
        self.active[run.info.run_id] = run
        if run.pod is not None:
            run.pod.record.final_report = final.SerializeToString().hex()
            self._host.registry.save(run.pod.record)
        self._reporter.add(final, partial(self._forget, run.info.run_id))

    def _forget(self, run_id: str) -> None:
        self.active.pop(run_id, None)
        self._host.registry.forget(run_id)
        self._wake.set()

    def _prune_now_and_then(self) -> None:
        if time.monotonic() - self._pruned_at > PRUNE_EVERY_SECONDS:
            self._pruned_at = time.monotonic()
            self._host.files.submit(self._host.logs.prune)
