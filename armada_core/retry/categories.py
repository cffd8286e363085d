"""Failure categories: the rules that name a failed run's category, and the matcher.

Armada's executor classifies each failed pod (spec §2) with operator-configured rules
(`application.errorCategories`): categories in order, each with rules in order, the
first matching rule wins and gives (category, rule subcategory, hint, action). No
match gives the configured defaults. With `enabled` false nothing is classified.
Retry policies then match their rules on the category and subcategory (`engine`).

    config = ClassifierConfig(enabled=True, categories=(
        Category("oom", (CategoryRule(on_conditions=("OOMKilled",)),)),
        Category("user_error", (CategoryRule(on_exit_codes=ExitCodes("In", (1, 2))),)),
    ))
    classifier = Classifier(config)          # ValueError if the config is invalid
    classifier.classify(PodFailure(containers=(ContainerFailure("main", 137, "OOMKilled"),)))
    # → Classification("oom", "", "", "Retain")

Patterns are Python regular expressions searched anywhere in the text (Go's
`MatchString`); they come from the operator's config, never from a request.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from armada_core.limits import utf8_length
from armada_core.retry.policy import MAX_NAME_BYTES

# Categories the system assigns itself; operators should not configure `internal`.
INTERNAL = "internal"
LEASE_EXPIRED = "lease-expired"
JOB_REJECTED = "job-rejected"
MAX_RUNS_EXCEEDED = "max-runs-exceeded"
STUCK_TERMINATING = "stuck-terminating"
EXTERNALLY_DELETED = "externally-deleted"
ISSUE_HANDLER_ERROR = "issue-handler-error"
ACTIVE_DEADLINE = "active-deadline"
JOB_CREATION_FAILED = "job-creation-failed"
POD_MISSING = "pod-missing"
PREEMPTED = "preempted"  # ours: Armada never categorises (nor retries) a preemption

CONDITIONS = ("OOMKilled", "Evicted", "DeadlineExceeded")
OPERATORS = ("In", "NotIn")
EVENT_TYPES = ("Normal", "Warning")
ACTIONS = ("Retain", "Delete")


@dataclass(frozen=True, slots=True)
class ContainerFailure:
    """A container (or init container) as it terminated."""

    name: str
    exit_code: int
    reason: str = ""  # the terminated state's reason, e.g. `OOMKilled`
    message: str = ""  # its termination message


@dataclass(frozen=True, slots=True)
class PodEvent:
    """A Kubernetes event about the pod."""

    type: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class PodFailure:
    """What the executor saw of a failed pod."""

    containers: tuple[ContainerFailure, ...] = ()
    pod_reason: str = ""  # the pod status reason: `Evicted`, `DeadlineExceeded`
    message: str = ""  # the failure message the executor captured
    events: tuple[PodEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class ExitCodes:
    """`onExitCodes`: `In` the values, or `NotIn` them (any other non-zero code)."""

    operator: str
    values: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class EventMatcher:
    """`onPodEvents`: an event of `type`, of `reason` when set, whose message matches."""

    regexp: str
    type: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CategoryRule:
    """Exactly one matcher, plus what a match gives (subcategory, hint)."""

    on_conditions: tuple[str, ...] = ()
    on_exit_codes: ExitCodes | None = None
    on_termination_message: str | None = None
    on_pod_error: str | None = None
    on_pod_events: EventMatcher | None = None
    subcategory: str = ""
    hint: str = ""
    container_name: str = ""  # narrows the container matchers


@dataclass(frozen=True, slots=True)
class Category:
    """A named category: its rules, and whether the failed pod is deleted first."""

    name: str
    rules: tuple[CategoryRule, ...]
    action: str = "Retain"


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """`application.errorCategories`."""

    enabled: bool = False
    default_category: str = ""
    default_subcategory: str = ""
    categories: tuple[Category, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Classification:
    """A failure's category ("" = none), subcategory, hint and pod action."""

    category: str = ""
    subcategory: str = ""
    hint: str = ""
    action: str = "Retain"

    def annotate(self, message: str) -> str:
        """The failure message with the hint after a blank line (when there is one)."""
        return f"{message}\n\n{self.hint}" if self.hint else message


class Classifier:
    """The compiled rules of a `ClassifierConfig`; ValueError names what is invalid."""

    def __init__(self, config: ClassifierConfig) -> None:
        check_config(config)
        self.config = config
        self._rules = [
            (category, rule, _compile(rule))
            for category in config.categories
            for rule in category.rules
        ]

    def classify(self, failure: PodFailure) -> Classification:
        """The first matching rule's classification, else the defaults."""
        config = self.config
        if not config.enabled:
            return Classification()
        for category, rule, pattern in self._rules:
            if _matches(rule, pattern, failure):
                return Classification(category.name, rule.subcategory, rule.hint, category.action)
        return Classification(config.default_category, config.default_subcategory)


def _compile(rule: CategoryRule) -> re.Pattern[str] | None:
    pattern = rule.on_termination_message or rule.on_pod_error
    if rule.on_pod_events is not None:
        pattern = rule.on_pod_events.regexp
    return None if pattern is None else re.compile(pattern)


def _failed(rule: CategoryRule, failure: PodFailure) -> Iterator[ContainerFailure]:
    for container in failure.containers:
        if container.exit_code != 0 and rule.container_name in ("", container.name):
            yield container


def _matches(rule: CategoryRule, pattern: re.Pattern[str] | None, failure: PodFailure) -> bool:
    if rule.on_conditions:
        return _condition(rule, failure)
    if rule.on_exit_codes is not None:
        codes = rule.on_exit_codes
        inside = codes.operator == "In"
        return any((c.exit_code in codes.values) == inside for c in _failed(rule, failure))
    assert pattern is not None  # one matcher per rule, checked
    if rule.on_termination_message is not None:
        return any(pattern.search(c.message) for c in _failed(rule, failure))
    if rule.on_pod_error is not None:
        return pattern.search(failure.message) is not None
    events = rule.on_pod_events
    assert events is not None
    return any(
        e.type == events.type and events.reason in ("", e.reason) and pattern.search(e.message)
        for e in failure.events
    )


def _condition(rule: CategoryRule, failure: PodFailure) -> bool:
    for condition in rule.on_conditions:
        if condition == "OOMKilled":
            if any(c.reason == "OOMKilled" for c in _failed(rule, failure)):
                return True
        elif failure.pod_reason == condition:
            return True
    return False


# --- startup validation --------------------------------------------------------------


def check_config(config: ClassifierConfig) -> None:
    """Armada's executor startup checks; ValueError with the first problem."""
    for what, value in (
        ("defaultCategory", config.default_category),
        ("defaultSubcategory", config.default_subcategory),
    ):
        _check_length(what, value)
    seen: set[str] = set()
    for category in config.categories:
        if not category.name:
            raise ValueError("errorCategories: a category needs a name")
        _check_length(f"category {category.name!r}", category.name)
        if category.name in seen:
            raise ValueError(f"errorCategories: category {category.name!r} is defined twice")
        seen.add(category.name)
        if category.action not in ACTIONS:
            raise ValueError(
                f"errorCategories: category {category.name!r}: action must be Retain or Delete"
            )
        if not category.rules:
            raise ValueError(f"errorCategories: category {category.name!r} needs at least one rule")
        for index, rule in enumerate(category.rules):
            problem = _rule_problem(rule)
            if problem is not None:
                raise ValueError(
                    f"errorCategories: category {category.name!r} rule {index}: {problem}"
                )


def _check_length(what: str, value: str) -> None:
    if utf8_length(value) > MAX_NAME_BYTES:
        raise ValueError(f"errorCategories: {what} must be at most {MAX_NAME_BYTES} characters")


def _rule_problem(rule: CategoryRule) -> str | None:
    set_matchers = [
        bool(rule.on_conditions),
        rule.on_exit_codes is not None,
        rule.on_termination_message is not None,
        rule.on_pod_error is not None,
        rule.on_pod_events is not None,
    ]
    if sum(set_matchers) != 1:
        return (
            "set exactly one of onConditions, onExitCodes, onTerminationMessage,"
            " onPodError, onPodEvents"
        )
    if utf8_length(rule.subcategory) > MAX_NAME_BYTES:
        return f"subcategory must be at most {MAX_NAME_BYTES} characters"
    unknown = [c for c in rule.on_conditions if c not in CONDITIONS]
    if unknown:
        return f"unknown condition {unknown[0]!r} (known: {', '.join(CONDITIONS)})"
    codes = rule.on_exit_codes
    if codes is not None and codes.operator not in OPERATORS:
        return f"onExitCodes.operator must be In or NotIn, not {codes.operator!r}"
    if codes is not None and not codes.values:
        return "onExitCodes.values must not be empty"
    events = rule.on_pod_events
    if events is not None and events.type not in EVENT_TYPES:
        return f"onPodEvents.type must be Normal or Warning, not {events.type!r}"
    try:
        _compile(rule)
    except re.error as exc:
        return f"invalid regular expression: {exc}"
    return None
