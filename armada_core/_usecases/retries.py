"""Retry policies applied where a run ends badly (spec §1.5-§1.9, decisions in README).

Every use case that ends a run in failure (an executor's report, the lease-expiry
sweep, a preemption) reads a `RetryView` once and asks it for each job's verdict:
None (no policy decides: the use case does what it did before), a Retry (the job goes
back to QUEUED with a `failed` event marked `retryable`, and its retry record grows
by the rule's mutations) or a Fail (the job fails, its error naming the policy).

The public `failed` event says which policy decided and why: its reason ends with
`Retry policy: retry policy "<name>" rule <i>: <reason>`, and it carries the run's
failure category and subcategory. The job's error (GetJobErrors) is the same text
with the category on a last line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from armada_core._usecases.context import Context
from armada_core._usecases.retry_probe import Cache, unschedulable
from armada_core._usecases.submit_check import KnownNodes, known_nodes
from armada_core.jobs import JobRecord
from armada_core.retry.engine import (
    Decision,
    FailureKind,
    JobFacts,
    RetrySettings,
    RunFailure,
    Verdict,
    fail_fast,
    judge,
)
from armada_core.retry.policy import RetryPolicy
from armada_core.retry.record import RetryMutations
from armada_core.runs import Run, RunState
from armada_core.submission.gangs import parse_gang

_KINDS = {
    RunState.FAILED: FailureKind.POD_FAILED,
    RunState.LEASE_EXPIRED: FailureKind.LEASE_EXPIRED,
    RunState.LEASE_RETURNED: FailureKind.LEASE_RETURNED,
    RunState.PREEMPTED: FailureKind.PREEMPTED,
}


@dataclass(frozen=True, slots=True)
class RetryView:
    """The policies, the queues' attachments and the jobs' runs, read once."""

    settings: RetrySettings = field(default_factory=lambda: RetrySettings(enabled=False))
    policies: Mapping[str, RetryPolicy] = field(default_factory=dict)
    queues: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    histories: Mapping[str, Sequence[Run]] = field(default_factory=dict)
    known: KnownNodes | None = None  # every executor's nodes, for the probe
    node_label: str = ""
    probes: Cache = field(default_factory=dict)  # the probe's answers, per job shape

    def judge(self, record: JobRecord, failure: RunFailure, run_id: str) -> Verdict | None:
        """The verdict on the run `run_id` of the job ending as `failure`."""
        if not self.policies:
            return None
        job = record.job
        gang = parse_gang(job.annotations)
        facts = JobFacts(
            queue_policies=self.queues.get(job.queue, ()),
            gang_cardinality=gang.cardinality if gang is not None else 1,
            fail_fast=fail_fast(job.annotations),
        )
        earlier = [
            past_failure(run)
            for run in self.histories.get(job.id, ())
            if run.id != run_id and run.state in _KINDS
        ]
        return judge(failure, earlier, job=facts, policies=self.policies, settings=self.settings)

    def granted(self, record: JobRecord, verdict: Verdict) -> tuple[Verdict, RetryMutations]:
        """A Retry with the job's retry record after it; downgraded to a Fail
        (`retry_unschedulable`) when the mutated job would fit no node."""
        after = record.retry.after(verdict.memory, verdict.avoid_nodes)
        why = unschedulable(record, after, self.known, self.node_label, self.probes)
        if why is None:
            return verdict, after
        failed = dataclasses.replace(
            verdict, retry=False, decision=Decision.RETRY_UNSCHEDULABLE, reason=why
        )
        return failed, record.retry


OFF: RetryView = RetryView()


async def retry_view(
    ctx: Context,
    records: Collection[JobRecord],
    histories: Mapping[str, Sequence[Run]] | None = None,
) -> RetryView:
    """What judging these jobs' failures needs (nothing when no policy could decide)."""
    settings = ctx.config.retry
    if not settings.enabled or not records:
        return OFF
    policies = {p.name: p for p in await ctx.storage.list_retry_policies()}
    if not policies:
        return OFF
    queues: dict[str, tuple[str, ...]] = {}
    for name in {r.job.queue for r in records}:
        queue = await ctx.storage.get_queue(name)
        queues[name] = queue.retry_policies if queue is not None else ()
    if histories is None:
        histories = await ctx.storage.runs_of_jobs([r.job.id for r in records])
    label = ctx.config.scheduler.scheduling.node_id_label
    known = known_nodes(await ctx.storage.list_executors(), label)
    return RetryView(settings, policies, queues, histories, known, label)


def past_failure(run: Run) -> RunFailure:
    """An earlier ended run as the engine counts it (kind, node, whether it started)."""
    kind = _KINDS[run.state]
    started = run.run_attempted if kind is FailureKind.LEASE_RETURNED else run.running
    return RunFailure(kind, node=run.node, started=started or kind is FailureKind.POD_FAILED)


def category_fields(category: str, subcategory: str) -> dict[str, Any]:
    """The `failed` event's category fields (none when there is no category)."""
    fields: dict[str, Any] = {}
    if category:
        fields["failure_category"] = category
    if subcategory:
        fields["failure_subcategory"] = subcategory
    return fields


def retry_reason(message: str, verdict: Verdict) -> str:
    """A retried run's `failed` reason: its error, then the policy that retried it."""
    decided = f"Retry policy: {verdict.explanation}"
    return f"{message}\n\n{decided}" if message else decided


def job_error(text: str, category: str, subcategory: str) -> str:
    """The job's error as GetJobErrors shows it: the text, then its failure category."""
    if not category:
        return text
    named = f"{category}/{subcategory}" if subcategory else category
    return f"{text}\n\nFailure category: {named}"
