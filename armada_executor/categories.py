"""The failure category of each failed run, sent as Armada's executor sends it
(`Error.failure_category` / `failure_subcategory`, spec §2), for retry policies to match.

With `application.errorCategories` configured (`config.ErrorCategories`), Armada's
classifier decides from the containers as they ended: categories in config order, rules
in order, the first matching rule gives (category, its subcategory, hint, action), no
match gives the configured defaults, `enabled: false` classifies nothing. Patterns are
Python regular expressions searched anywhere in the text (Go's `MatchString`); they come
from the operator's config, never from a request. Without it, the local executor names
what it saw itself:

| what happened                                  | category / subcategory           |
|------------------------------------------------|----------------------------------|
| a container ran out of memory                  | `oom`                            |
| a container could not start (no program, ...)  | `start-error`                    |
| a container was killed by a signal (code >128) | `signal` / the signal: `SIGKILL` |
| a container exited non-zero                    | `exit-code` / the code: `1`      |

Always, configured or not (Armada's `internal` ones): `activeDeadlineSeconds` passed
→ `internal/active-deadline`; the lease's pod spec cannot run at all →
`internal/job-creation-failed`; the run was lost when the executor restarted →
`internal/pod-missing`; the executor failed while running it →
`internal/issue-handler-error`.
"""

from __future__ import annotations

import dataclasses
import re
import signal
from collections.abc import Iterator
from dataclasses import dataclass

from armada_core.retry.categories import ACTIVE_DEADLINE, INTERNAL
from armada_executor.config import CategoryRule, ErrorCategories
from armada_executor.messages import DEADLINE_EXCEEDED
from armada_executor.outcome import ContainerFailure, Outcome, Phase

OOM = "oom"
START_ERROR = "start-error"
SIGNAL = "signal"
EXIT_CODE = "exit-code"
_START_REASON = "StartError"
_SIGNALLED = 128  # a shell's (and Kubernetes') exit code for a signal: 128 + its number


class Categorizer:
    """Gives every failed outcome its category (configured rules, else the table above)."""

    def __init__(self, config: ErrorCategories | None = None) -> None:
        self._classifier = Classifier(config) if config is not None else None

    def categorize(self, outcome: Outcome) -> Outcome:
        """The outcome with its category (and a configured rule's hint) filled in."""
        if outcome.phase is not Phase.FAILED or outcome.category:
            return outcome
        if self._classifier is None or outcome.kubernetes_reason == DEADLINE_EXCEEDED:
            category, subcategory = own_category(outcome)
            return dataclasses.replace(outcome, category=category, subcategory=subcategory)
        found = self._classifier.classify(_pod_failure(outcome))
        return dataclasses.replace(
            outcome,
            message=found.annotate(outcome.message),
            category=found.category,
            subcategory=found.subcategory,
        )


def own_category(outcome: Outcome) -> tuple[str, str]:
    """The local executor's own category of a failed outcome (the module's table)."""
    if outcome.kubernetes_reason == DEADLINE_EXCEEDED:
        return INTERNAL, ACTIVE_DEADLINE
    failures = outcome.failures
    if any(f.reason == "OOMKilled" for f in failures):
        return OOM, ""
    if any(f.reason == _START_REASON for f in failures):
        return START_ERROR, ""
    if not failures:
        return "", ""
    code = failures[0].exit_code
    if code > _SIGNALLED:
        return SIGNAL, _signal_name(code - _SIGNALLED)
    return EXIT_CODE, str(code)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _pod_failure(outcome: Outcome) -> PodFailure:
    deadline = outcome.kubernetes_reason == DEADLINE_EXCEEDED
    return PodFailure(
        containers=outcome.failures,
        pod_reason="DeadlineExceeded" if deadline else "",
        message=outcome.message,
    )


# --- Armada's classifier ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PodEvent:
    """A Kubernetes event about the pod (`onPodEvents`; the local executor has none)."""

    type: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class PodFailure:
    """What the executor saw of a failed pod."""

    containers: tuple[ContainerFailure, ...] = ()  # those that did not end with 0
    pod_reason: str = ""  # the pod status reason: `Evicted`, `DeadlineExceeded`
    message: str = ""  # the failure message the executor captured
    events: tuple[PodEvent, ...] = ()


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
    """The rules of an `ErrorCategories` (checked when it was made), compiled."""

    def __init__(self, config: ErrorCategories) -> None:
        self.config = config
        self._rules = [
            (category.name, category.action, rule, _compile(rule))
            for category in config.categories
            for rule in category.rules
        ]

    def classify(self, failure: PodFailure) -> Classification:
        """The first matching rule's classification, else the defaults."""
        config = self.config
        if not config.enabled:
            return Classification()
        for name, action, rule, pattern in self._rules:
            if _matches(rule, pattern, failure):
                return Classification(name, rule.subcategory, rule.hint, action)
        return Classification(config.default_category, config.default_subcategory)


def _compile(rule: CategoryRule) -> re.Pattern[str] | None:
    matcher = rule.on_termination_message or rule.on_pod_error
    if matcher is not None:
        return re.compile(matcher.pattern)
    if rule.on_pod_events is not None:
        return re.compile(rule.on_pod_events.regexp)
    return None


def _failed(rule: CategoryRule, failure: PodFailure) -> Iterator[ContainerFailure]:
    """The containers a container matcher sees: exited non-zero, of `containerName`."""
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
    assert pattern is not None  # one matcher per rule, checked by `CategoryRule`
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
    """`OOMKilled` on a failed container's reason; the others on the pod's."""
    for condition in rule.on_conditions:
        if condition == "OOMKilled":
            if any(c.reason == "OOMKilled" for c in _failed(rule, failure)):
                return True
        elif failure.pod_reason == condition:
            return True
    return False
