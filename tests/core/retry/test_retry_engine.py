"""The retry engine: Armada's steps (spec §1.5-§1.8) and, whatever the failures, never
more retries than the policy's or the global limit (property)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from armada_core.retry.engine import (
    Decision,
    FailureKind,
    JobFacts,
    RetrySettings,
    RunFailure,
    decide,
    fail_fast,
    judge,
    terminal_message,
)
from armada_core.retry.policy import (
    MemoryBump,
    RetryAction,
    RetryMutation,
    RetryPolicy,
    RetryRule,
)

FAIL, RETRY = RetryAction.FAIL, RetryAction.RETRY
OOM = RunFailure(FailureKind.POD_FAILED, "oom", "", "node-1", message="main exited with code 137")
GROW = RetryMutation(avoid_same_node=True, memory=MemoryBump(factor=1.5))
POLICY = RetryPolicy(
    "oom-retry",
    2,
    FAIL,
    (
        RetryRule(FAIL, "user_error"),
        RetryRule(RETRY, "oom", "", GROW),
        RetryRule(RETRY, "internal", "preempted"),
        RetryRule(RETRY, "internal", "lease-expired"),
    ),
)
JOB = JobFacts(queue_policies=("oom-retry",))
ON = RetrySettings()


def judged(failure: RunFailure, history: tuple[RunFailure, ...] = (), **kw: object):
    return judge(
        failure,
        history,
        job=kw.get("job", JOB),  # type: ignore[arg-type]
        policies={"oom-retry": POLICY},
        settings=kw.get("settings", ON),  # type: ignore[arg-type]
    )


def test_an_oom_is_retried_with_the_rules_mutations_up_to_the_limit() -> None:
    first = judged(OOM)
    assert first is not None and first.retry and first.decision is Decision.RETRY
    assert first.reason == "matched rule: Retry" and first.rule_index == 1
    assert first.avoid_nodes == ("node-1",) and first.memory == MemoryBump(factor=1.5)
    again = RunFailure(FailureKind.POD_FAILED, "oom", node="node-2")
    second = judged(again, (OOM,))
    assert second is not None and second.retry and second.avoid_nodes == ("node-1", "node-2")
    third = judged(again, (OOM, again))
    assert third is not None and not third.retry
    assert third.decision is Decision.FAIL_POLICY_LIMIT
    assert third.explanation == 'retry policy "oom-retry" rule 1: policy retry limit exceeded (2/2)'
    assert terminal_message(third, again) == (
        'Retry policy: retry policy "oom-retry" rule 1: policy retry limit exceeded (2/2)'
    )
    assert terminal_message(third, OOM).endswith("\n\nFinal run error:\nmain exited with code 137")


def test_fail_rules_and_the_default_action() -> None:
    user = judged(RunFailure(FailureKind.POD_FAILED, "user_error"))
    assert user is not None and (user.retry, user.decision) == (False, Decision.FAIL_RULE)
    assert user.reason == "matched rule: Fail"
    plain = judged(RunFailure(FailureKind.POD_FAILED))  # uncategorised: never matches a rule
    assert plain is not None and (plain.retry, plain.decision) == (False, Decision.FAIL_DEFAULT)
    assert plain.explanation == 'retry policy "oom-retry": no rule matched, using default action'


def test_subcategory_must_match_when_the_rule_sets_one() -> None:
    expired = judged(RunFailure.for_kind(FailureKind.LEASE_EXPIRED, node="n"))
    assert expired is not None and expired.retry and expired.rule_index == 3
    assert expired.memory is None and expired.avoid_nodes == ()  # no mutation off pod failures
    other = judged(RunFailure(FailureKind.POD_FAILED, "internal", "pod-missing"))
    assert other is not None and other.decision is Decision.FAIL_DEFAULT


def test_a_preemption_comes_back_under_a_retry_on_preemption_rule() -> None:
    verdict = judged(RunFailure.for_kind(FailureKind.PREEMPTED, node="n"))
    assert verdict is not None and verdict.retry and verdict.rule_index == 2


def test_the_global_limit_comes_before_every_rule() -> None:
    capped = RetrySettings(global_max_retries=1)
    verdict = judged(OOM, (OOM,), settings=capped)
    assert verdict is not None and verdict.decision is Decision.FAIL_GLOBAL_LIMIT
    assert verdict.reason == "global max retries exceeded (1/1)"
    off = judged(OOM, settings=RetrySettings(global_max_retries=0))
    assert off is not None and off.reason == "global max retries is 0, retries disabled"


def test_undecided_cases_leave_the_failure_to_the_caller() -> None:
    returned = RunFailure(FailureKind.LEASE_RETURNED, "oom")
    assert judged(returned) is None
    assert judged(OOM, settings=RetrySettings(enabled=False)) is None
    assert judged(OOM, job=JobFacts()) is None  # no policy, no default
    assert judged(OOM, job=JobFacts(("gone",))) is None
    assert judged(OOM, job=JobFacts(("oom-retry",), gang_cardinality=2)) is None
    assert judged(OOM, job=JobFacts(("oom-retry",), fail_fast=True)) is None
    default = RetrySettings(default_policy_name="oom-retry")
    assert judged(OOM, job=JobFacts(), settings=default) is not None
    assert fail_fast({"armadaproject.io/failFast": "true"})
    assert not fail_fast({"armadaproject.io/failFast": "True"})


def test_lease_returns_are_not_charged() -> None:
    returned = RunFailure(FailureKind.LEASE_RETURNED, node="n")
    verdict = judged(OOM, (returned, returned, returned))
    assert verdict is not None and verdict.retry


def test_only_the_first_attached_policy_decides() -> None:
    other = RetryPolicy("never", 0, FAIL)
    verdict = judge(
        OOM,
        (),
        job=JobFacts(("never", "oom-retry")),
        policies={"oom-retry": POLICY, "never": other},
        settings=ON,
    )
    assert verdict is not None and verdict.policy == "never" and not verdict.retry


def test_decide_is_armadas_table() -> None:
    policy = RetryPolicy("p", 3, RETRY)
    assert [decide(policy, OOM, used, 5).retry for used in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]


kinds = st.sampled_from(list(FailureKind))
categories = st.sampled_from(["", "oom", "user_error", "internal", "x"])
subcategories = st.sampled_from(["", "preempted", "lease-expired", "init"])
failures = st.builds(
    RunFailure,
    kind=kinds,
    category=categories,
    subcategory=subcategories,
    node=st.sampled_from(["", "a", "b"]),
    started=st.booleans(),
)
actions = st.sampled_from([FAIL, RETRY])
rules = st.builds(RetryRule, action=actions, on_category=categories, on_subcategory=subcategories)
policies = st.builds(
    RetryPolicy,
    name=st.just("p"),
    retry_limit=st.integers(0, 6),
    default_action=actions,
    rules=st.lists(rules, max_size=4).map(tuple),
)


@settings(max_examples=300, deadline=None)
@given(
    policy=policies,
    global_max=st.integers(0, 6),
    sequence=st.lists(failures, max_size=20),
)
def test_retries_never_exceed_the_policy_or_the_global_limit(
    policy: RetryPolicy, global_max: int, sequence: list[RunFailure]
) -> None:
    """Replay the failures as a scheduler would: each retry is a new run; a failure that
    is not retried ends the job. Count the engine's retries of charged failures."""
    history: list[RunFailure] = []
    retries = 0
    for failure in sequence:
        verdict = judge(
            failure,
            tuple(history),
            job=JobFacts(("p",)),
            policies={"p": policy},
            settings=RetrySettings(global_max_retries=global_max),
        )
        history.append(failure)
        if verdict is None:  # a lease return: requeued by the caller, not charged
            assert failure.kind is FailureKind.LEASE_RETURNED
            continue
        if not verdict.retry:
            break
        retries += 1
    assert retries <= min(policy.retry_limit, global_max)
