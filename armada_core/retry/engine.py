"""The retry engine: retry a failed run as a new run of the same job, or fail the job.

Contract (pure, stdlib only; the report use case calls it when a run ends badly):

    verdict = judge(failure, history, job=JobFacts(...), policies={...}, settings=RetrySettings())

* `failure`: the run that just ended (`RunFailure`: its kind, category, subcategory,
  node, whether it started). `history`: the job's earlier ended runs, oldest first.
* `job`: the queue's attached policy names (in order), gang cardinality, failFast.
* `policies`: the stored policies by name. `settings`: Armada's
  `scheduling.retryPolicy` keys (`enabled`, `globalMaxRetries`, `defaultPolicyName`).
* Returns None when no policy decides ("undecided": the engine is off, the queue has
  no policy, the job is in a gang or fail-fast, the policy is gone, or the lease was
  returned); the caller then does what it does without policies. Otherwise a
  `Verdict`: `retry` true or false, `decision` (Armada's metric label), `reason`
  (Armada's words) and `explanation` (the reason naming the policy and rule), and for
  a retry the mutations: `avoid_nodes` (every node a run of the job started on, when
  the rule asks) and `memory` (the rule's bump; `grow_memory` applies it).

Rules (spec §1.5-§1.8): the first attached policy decides (else `defaultPolicyName`);
`retries used` = charged failures before this one; the global limit is checked before
any rule (0 disables retries); a Retry within the policy's `retry_limit` retries.
Charged failures are the pod failures, lease expiries and (our addition, Armada never
retries them) preemptions; lease returns are never charged. So however the failures
come, a job gets at most `min(retry_limit, globalMaxRetries)` retries from the engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum

from armada_core.echo import shown
from armada_core.retry.categories import INTERNAL, LEASE_EXPIRED, PREEMPTED
from armada_core.retry.policy import MemoryBump, RetryAction, RetryPolicy, RetryRule
from armada_core.submission._go import go_quote

FAIL_FAST_ANNOTATION = "armadaproject.io/failFast"


class FailureKind(Enum):
    """How a run ended badly."""

    POD_FAILED = "pod_failed"  # the executor reported an error (categorised or not)
    LEASE_EXPIRED = "lease_expired"  # its executor went silent past executorTimeout
    LEASE_RETURNED = "lease_returned"  # the executor gave the lease back unrun
    PREEMPTED = "preempted"


CHARGED = frozenset({FailureKind.POD_FAILED, FailureKind.LEASE_EXPIRED, FailureKind.PREEMPTED})


class Decision(StrEnum):
    """The outcome, as Armada's `retry_policy_decisions_total` labels it."""

    RETRY = "retry"
    FAIL_RULE = "fail_rule"
    FAIL_DEFAULT = "fail_default"
    FAIL_POLICY_LIMIT = "fail_policy_limit"
    FAIL_GLOBAL_LIMIT = "fail_global_limit"
    RETRY_UNSCHEDULABLE = "retry_unschedulable"  # granted, but the mutated job fits no node


@dataclass(frozen=True, slots=True)
class RunFailure:
    """One ended run. Scheduler-made failures carry their category (`for_kind`)."""

    kind: FailureKind
    category: str = ""
    subcategory: str = ""
    node: str = ""
    started: bool = True  # the run reached a node (node avoidance counts only these)
    message: str = ""

    @classmethod
    def for_kind(cls, kind: FailureKind, *, node: str = "", message: str = "") -> RunFailure:
        """A lease expiry or preemption, with the category the scheduler gives it."""
        sub = {FailureKind.LEASE_EXPIRED: LEASE_EXPIRED, FailureKind.PREEMPTED: PREEMPTED}
        return cls(kind, INTERNAL, sub.get(kind, ""), node, bool(node), message)


@dataclass(frozen=True, slots=True)
class JobFacts:
    """What the engine needs to know of the job."""

    queue_policies: tuple[str, ...] = ()
    gang_cardinality: int = 1
    fail_fast: bool = False


@dataclass(frozen=True, slots=True)
class RetrySettings:
    """`scheduling.retryPolicy`: on by default here (Armada ships it off)."""

    enabled: bool = True
    global_max_retries: int = 5
    default_policy_name: str = ""

    def __post_init__(self) -> None:
        if self.global_max_retries < 0:
            raise ValueError("globalMaxRetries must not be negative")


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the policy decided, and why."""

    retry: bool
    decision: Decision
    reason: str
    policy: str
    rule_index: int | None = None  # the matched rule, None for the default action
    avoid_nodes: tuple[str, ...] = ()
    memory: MemoryBump | None = None

    @property
    def explanation(self) -> str:
        """The reason with the policy and rule that gave it, for events and errors."""
        where = f"retry policy {shown(go_quote(self.policy))}"
        if self.rule_index is not None:
            where += f" rule {self.rule_index}"
        return f"{where}: {self.reason}"


def judge(
    failure: RunFailure,
    history: Sequence[RunFailure],
    *,
    job: JobFacts,
    policies: Mapping[str, RetryPolicy],
    settings: RetrySettings,
) -> Verdict | None:
    """The verdict on `failure`, or None when no policy decides (see the module doc)."""
    policy = _policy(job, policies, settings)
    if policy is None or failure.kind is FailureKind.LEASE_RETURNED:
        return None
    used = sum(1 for run in history if run.kind in CHARGED)
    verdict = decide(policy, failure, used, settings.global_max_retries)
    if not verdict.retry or verdict.rule_index is None:
        return verdict
    mutate = policy.rules[verdict.rule_index].mutate
    if mutate is None or failure.kind is not FailureKind.POD_FAILED:
        return verdict  # lease expiries and preemptions retry unchanged (Armada: expiries)
    avoid = _tried_nodes((*history, failure)) if mutate.avoid_same_node else ()
    return _with(verdict, avoid, mutate.memory)


def fail_fast(annotations: Mapping[str, str]) -> bool:
    """Whether the job opted out of every retry (Armada's annotation, exactly `true`)."""
    return annotations.get(FAIL_FAST_ANNOTATION) == "true"


def _policy(
    job: JobFacts, policies: Mapping[str, RetryPolicy], settings: RetrySettings
) -> RetryPolicy | None:
    if not settings.enabled or job.gang_cardinality > 1 or job.fail_fast:
        return None
    name = job.queue_policies[0] if job.queue_policies else settings.default_policy_name
    return policies.get(name) if name else None


def decide(policy: RetryPolicy, failure: RunFailure, used: int, global_max: int) -> Verdict:
    """Armada's engine steps (spec §1.7), with `used` retries spent before this failure."""
    name = policy.name
    if global_max == 0:
        reason = "global max retries is 0, retries disabled"
        return Verdict(False, Decision.FAIL_GLOBAL_LIMIT, reason, name)
    if used >= global_max:
        reason = f"global max retries exceeded ({used}/{global_max})"
        return Verdict(False, Decision.FAIL_GLOBAL_LIMIT, reason, name)
    index = policy.first_match(failure.category, failure.subcategory)
    rule = None if index is None else policy.rules[index]
    action = policy.default_action if rule is None else rule.action
    said = _said(rule)
    if action != RetryAction.RETRY:
        decision = Decision.FAIL_DEFAULT if rule is None else Decision.FAIL_RULE
        return Verdict(False, decision, said, name, index)
    if used >= policy.retry_limit:
        reason = f"policy retry limit exceeded ({used}/{policy.retry_limit})"
        return Verdict(False, Decision.FAIL_POLICY_LIMIT, reason, name, index)
    return Verdict(True, Decision.RETRY, said, name, index)


def _said(rule: RetryRule | None) -> str:
    if rule is None:
        return "no rule matched, using default action"
    return f"matched rule: {RetryAction(rule.action).name.capitalize()}"


def _tried_nodes(runs: Sequence[RunFailure]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(run.node for run in runs if run.started and run.node))


def _with(verdict: Verdict, avoid: tuple[str, ...], memory: MemoryBump | None) -> Verdict:
    return Verdict(
        verdict.retry,
        verdict.decision,
        verdict.reason,
        verdict.policy,
        verdict.rule_index,
        avoid,
        memory,
    )


def terminal_message(verdict: Verdict, failure: RunFailure) -> str:
    """The failed job's error: Armada's `Retry policy: <reason>` naming the policy,
    then the final run's error after a blank line (when it has one)."""
    text = f"Retry policy: {verdict.explanation}"
    if failure.message:
        text += f"\n\nFinal run error:\n{failure.message}"
    return text
