"""Why a job or a run failed, read back from its `failed` events.

The report use case writes a run's failure into the job's `failed` event (reason,
cause, exit code per container, failure category); the run record keeps only the
message. Views that explain a failure (the web UI's job page) read these fields
here, once, by the names `_usecases/report.py` writes them under. A failed event's
`kubernetes_id` is the run's id (the executor names its pods' ids after runs). Its
containers read back as the `ContainerFailure`s the executor reported (same fields).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from armada_core.events import Event, EventKind
from armada_core.execution import ContainerFailure
from armada_core.state_machine import FailureCause


@dataclass(frozen=True, slots=True)
class Failure:
    """One `failed` event, as a person reads it."""

    reason: str
    cause: FailureCause = FailureCause.ERROR
    run_id: str = ""  # "" when the job failed outside a run (e.g. too many attempts)
    node: str = ""
    category: str = ""
    subcategory: str = ""
    containers: tuple[ContainerFailure, ...] = field(default_factory=tuple)

    @property
    def exit_code(self) -> int | None:
        """The first non-zero container exit code (the one that failed the pod), if any."""
        return next((c.exit_code for c in self.containers if c.exit_code), None)


def failure_of(event: Event) -> Failure | None:
    """The failure a `failed` event describes; None for any other event."""
    if event.kind is not EventKind.FAILED:
        return None
    fields = event.fields
    return Failure(
        reason=str(fields.get("reason", "")),
        cause=_cause(fields.get("cause", 0)),
        run_id=str(fields.get("kubernetes_id", "")),
        node=str(fields.get("node_name", "")),
        category=str(fields.get("failure_category", "")),
        subcategory=str(fields.get("failure_subcategory", "")),
        containers=_containers(fields),
    )


def failures(events: Iterable[Event]) -> list[Failure]:
    """Every failure among `events`, in their order."""
    return [f for f in map(failure_of, events) if f is not None]


def _cause(value: Any) -> FailureCause:
    try:
        return FailureCause(int(value))
    except (TypeError, ValueError):
        return FailureCause.ERROR


def _containers(fields: Mapping[str, Any]) -> tuple[ContainerFailure, ...]:
    """From `container_statuses` when present, else from the `exit_codes` map."""
    statuses = fields.get("container_statuses") or ()
    if statuses:
        return tuple(_status(s) for s in statuses if isinstance(s, Mapping))
    codes = fields.get("exit_codes") or {}
    return tuple(ContainerFailure(str(k), _int(v)) for k, v in codes.items())


def _status(status: Mapping[str, Any]) -> ContainerFailure:
    return ContainerFailure(
        name=str(status.get("name", "")),
        exit_code=_int(status.get("exitCode", 0)),
        message=str(status.get("message", "")),
        reason=str(status.get("reason", "")),
        cause=_cause(status.get("cause", 0)),
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
