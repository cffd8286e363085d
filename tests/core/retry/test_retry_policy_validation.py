"""Write-time validation of retry policies: Armada's checks, order and words (§1.4)."""

from __future__ import annotations

import math

import pytest

from armada_core.errors import InvalidArgument
from armada_core.retry.policy import (
    MemoryBump,
    RetryAction,
    RetryMutation,
    RetryPolicy,
    RetryRule,
    validate_policy,
)

FAIL, RETRY = RetryAction.FAIL, RetryAction.RETRY


def error(policy: RetryPolicy) -> str:
    with pytest.raises(InvalidArgument) as caught:
        validate_policy(policy)
    return caught.value.message


def bump(**kw: object) -> tuple[RetryRule, ...]:
    return (RetryRule(RETRY, "oom", mutate=RetryMutation(memory=MemoryBump(**kw))),)  # type: ignore[arg-type]


def test_a_valid_policy_comes_back_with_enum_actions() -> None:
    policy = RetryPolicy("p-1", 2, 1, (RetryRule(2, "oom", "init"),))
    checked = validate_policy(policy)
    assert checked == policy
    assert checked.default_action is FAIL and checked.rules[0].action is RETRY


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (RetryPolicy(""), "retry policy name must not be empty"),
        (
            RetryPolicy("a" * 64, 0, FAIL),
            f'retry policy name "{"a" * 64}" must be at most 63 characters',
        ),
        (
            RetryPolicy("Bad_Name", 0, FAIL),
            'retry policy name "Bad_Name" is invalid: must consist of lowercase alphanumeric'
            " characters or '-', and must start and end with an alphanumeric character",
        ),
        (
            RetryPolicy("p", 0, FAIL, (RetryRule(FAIL, "a"), RetryRule(0, "x"))),
            'retry policy "p" rule 1: action must be Fail or Retry',
        ),
        (
            RetryPolicy("p", 0, FAIL, (RetryRule(7, "x"),)),
            'retry policy "p" rule 0: action must be Fail or Retry',
        ),
        (
            RetryPolicy("p", 0, FAIL, (RetryRule(RETRY, "", "sub"),)),
            'retry policy "p" rule 0: on_category must be set',
        ),
        (
            RetryPolicy("p", 0, FAIL, bump(static="1Gi", factor=2.0)),
            'retry policy "p" rule 0: mutate.resources.memory: set exactly one of static and'
            " factor, not both",
        ),
        (
            RetryPolicy("p", 0, FAIL, bump()),
            'retry policy "p" rule 0: mutate.resources.memory: set exactly one of static'
            " and factor",
        ),
        (
            RetryPolicy("p", 0, FAIL, bump(static="lots")),
            'retry policy "p" rule 0: mutate.resources.memory: invalid static quantity "lots": '
            "quantities must match the regular expression "
            "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
        (
            RetryPolicy("p", 0, FAIL, bump(static="-1Gi")),
            'retry policy "p" rule 0: mutate.resources.memory: static quantity "-1Gi" must be'
            " positive",
        ),
        (
            RetryPolicy("p", 0, FAIL, bump(factor=1.0)),
            'retry policy "p" rule 0: mutate.resources.memory: factor 1 must be greater than 1.0',
        ),
        (
            RetryPolicy("p", 0, FAIL, bump(factor=0.5)),
            'retry policy "p" rule 0: mutate.resources.memory: factor 0.5 must be greater than 1.0',
        ),
        (
            RetryPolicy("p", 0, FAIL, bump(factor=math.inf)),
            'retry policy "p" rule 0: mutate.resources.memory: factor +Inf must be finite',
        ),
        (RetryPolicy("p", 3), 'retry policy "p" must set a default action (Fail or Retry)'),
        (RetryPolicy("p", 3, 9), 'retry policy "p" must set a default action (Fail or Retry)'),
    ],
)
def test_each_rule_and_its_words(policy: RetryPolicy, message: str) -> None:
    assert error(policy) == f"invalid retry policy: {message}"


def test_the_first_problem_wins() -> None:
    policy = RetryPolicy("p", 0, 0, (RetryRule(RETRY, ""), RetryRule(0, "x")))
    assert error(policy) == 'invalid retry policy: retry policy "p" rule 0: on_category must be set'


def test_a_fail_rule_may_carry_a_mutation_and_the_limit_is_free() -> None:
    rule = RetryRule(FAIL, "x", mutate=RetryMutation(True, MemoryBump(factor=2.0)))
    validate_policy(RetryPolicy("p", 2**32 - 1, RETRY, (rule,)))


def test_a_huge_name_is_echoed_short() -> None:
    assert len(error(RetryPolicy("a" * 1_000_000, 0, FAIL))) < 300
