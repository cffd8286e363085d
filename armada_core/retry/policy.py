"""A retry policy: the record queues name, and the checks it passes before it is stored.

The shape is Armada's `api.RetryPolicy`: a retry limit, ordered rules matched on a
failure's category and subcategory (first match wins), and a default action for
failures no rule matches. Validation follows Armada's order and wording (spec §1.4),
every message behind `invalid retry policy: `; the first problem found is reported.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from armada_core.echo import shown
from armada_core.errors import InvalidArgument
from armada_core.limits import utf8_length
from armada_core.quantity import Quantity
from armada_core.submission._go import go_float, go_quote

MAX_NAME_BYTES = 63  # a DNS label (RFC 1123), as queue attachments and Lookout expect
_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


class RetryAction(IntEnum):
    """What a rule (or the default) does with a failure: `api.RetryAction`."""

    UNSPECIFIED = 0
    FAIL = 1
    RETRY = 2


_ACTIONS = (RetryAction.FAIL, RetryAction.RETRY)


@dataclass(frozen=True, slots=True)
class MemoryBump:
    """Grow the job's memory on retry: by a quantity (`static`) or a factor > 1."""

    static: str = ""
    factor: float = 0.0


@dataclass(frozen=True, slots=True)
class RetryMutation:
    """What a retry changes: steer off the nodes already tried, grow memory."""

    avoid_same_node: bool = False
    memory: MemoryBump | None = None


@dataclass(frozen=True, slots=True)
class RetryRule:
    """Matches failures of `on_category` (and `on_subcategory` when set), exactly.

    `action` is an int: a request may carry a number outside `RetryAction`, which
    validation refuses; a stored rule's action is always FAIL or RETRY.
    """

    action: int
    on_category: str = ""
    on_subcategory: str = ""
    mutate: RetryMutation | None = None

    def matches(self, category: str, subcategory: str) -> bool:
        """Armada's matcher: the category equal, the subcategory equal unless unset."""
        if not self.on_category or self.on_category != category:
            return False
        return not self.on_subcategory or self.on_subcategory == subcategory


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """A named policy. `retry_limit` retries are allowed after the first failure."""

    name: str
    retry_limit: int = 0
    default_action: int = RetryAction.UNSPECIFIED
    rules: tuple[RetryRule, ...] = ()

    def first_match(self, category: str, subcategory: str) -> int | None:
        """The index of the first rule matching the failure (an empty category matches none)."""
        return next((i for i, r in enumerate(self.rules) if r.matches(category, subcategory)), None)


class RetryPoliciesMissing(InvalidArgument):
    """A queue names retry policies that do not exist; nothing was written.

    Raised by storage, inside the queue write, so a policy deleted concurrently is
    seen. `names` are the missing ones, in the queue's order.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(names)
        quoted = ", ".join(shown(go_quote(n)) for n in self.names[:10])
        more = f" and {len(self.names) - 10} more" if len(self.names) > 10 else ""
        super().__init__(f"retry policies do not exist: {quoted}{more}")


def check_policy_name(name: str) -> None:
    """`retry policy name must not be empty`, as Get and Delete say it too."""
    if not name:
        raise InvalidArgument("retry policy name must not be empty")


def validate_policy(policy: RetryPolicy) -> RetryPolicy:
    """The policy with its actions as `RetryAction`s; InvalidArgument if it breaks a rule."""
    problem = _problem(policy)
    if problem is not None:
        raise InvalidArgument(f"invalid retry policy: {problem}")
    return RetryPolicy(
        name=policy.name,
        retry_limit=policy.retry_limit,
        default_action=RetryAction(policy.default_action),
        rules=tuple(
            RetryRule(RetryAction(r.action), r.on_category, r.on_subcategory, r.mutate)
            for r in policy.rules
        ),
    )


def _problem(policy: RetryPolicy) -> str | None:
    name = policy.name
    if not name:
        return "retry policy name must not be empty"
    quoted = shown(go_quote(name))
    if utf8_length(name) > MAX_NAME_BYTES:
        return f"retry policy name {quoted} must be at most {MAX_NAME_BYTES} characters"
    if not _LABEL.fullmatch(name):
        return (
            f"retry policy name {quoted} is invalid: must consist of lowercase alphanumeric"
            " characters or '-', and must start and end with an alphanumeric character"
        )
    for index, rule in enumerate(policy.rules):
        problem = _rule_problem(rule)
        if problem is not None:
            return f"retry policy {quoted} rule {index}: {problem}"
    if policy.default_action not in _ACTIONS:
        return f"retry policy {quoted} must set a default action (Fail or Retry)"
    return None


def _rule_problem(rule: RetryRule) -> str | None:
    if rule.action not in _ACTIONS:
        return "action must be Fail or Retry"
    if not rule.on_category:
        return "on_category must be set"
    memory = rule.mutate.memory if rule.mutate is not None else None
    if memory is None:
        return None
    problem = _memory_problem(memory)
    return None if problem is None else f"mutate.resources.memory: {problem}"


def _memory_problem(bump: MemoryBump) -> str | None:
    if bump.static and bump.factor:
        return "set exactly one of static and factor, not both"
    if not bump.static and not bump.factor:
        return "set exactly one of static and factor"
    if bump.static:
        quoted = shown(go_quote(bump.static))
        try:
            amount = Quantity.parse(bump.static)
        except ValueError as exc:
            return f"invalid static quantity {quoted}: {exc}"
        return None if amount.sign() > 0 else f"static quantity {quoted} must be positive"
    if not bump.factor > 1.0:  # NaN too
        return f"factor {go_float(bump.factor)} must be greater than 1.0"
    if math.isinf(bump.factor):  # Armada takes it; no memory request can grow by it
        return f"factor {go_float(bump.factor)} must be finite"
    return None
