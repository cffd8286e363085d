"""The failure category of each failed run, sent as Armada's executor sends it
(`Error.failure_category` / `failure_subcategory`, spec §2), for retry policies to match.

With `application.errorCategories` configured, Armada's classifier decides from the
containers as they ended. Without it, the local executor names what it saw itself:

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
import signal

from armada_core.retry.categories import (
    ACTIVE_DEADLINE,
    INTERNAL,
    Classifier,
    ClassifierConfig,
    ContainerFailure,
    PodFailure,
)
from armada_executor.messages import DEADLINE_EXCEEDED
from armada_executor.outcome import Outcome, Phase

OOM = "oom"
START_ERROR = "start-error"
SIGNAL = "signal"
EXIT_CODE = "exit-code"
_START_REASON = "StartError"
_SIGNALLED = 128  # a shell's (and Kubernetes') exit code for a signal: 128 + its number


class Categorizer:
    """Gives every failed outcome its category (configured rules, else the table above)."""

    def __init__(self, config: ClassifierConfig | None = None) -> None:
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
        containers=tuple(
            ContainerFailure(f.name, f.exit_code, f.reason, f.message) for f in outcome.failures
        ),
        pod_reason="DeadlineExceeded" if deadline else "",
        message=outcome.message,
    )
