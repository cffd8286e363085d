"""The job state machine of Armada's public API, as one transition table.

Every use case that changes a job's state computes the new state here, from the
events it is about to write, so the table is the single statement of which event
may follow which state (spec §7.6). The use cases of executors (lease, run,
finish) will reuse it unchanged.

Notes on the table:

- A job that does not exist yet is `UNKNOWN` (queries answer UNKNOWN for it too);
  `submitted` is its only way in, and `queued` follows at once.
- `failed` is split by its fields: `retryable=true` sends the job back to QUEUED;
  `cause=Rejected` before any lease makes it REJECTED; otherwise FAILED.
- Armada reports a preemption as `preempted` followed by a terminal `failed`. The
  job is PREEMPTED from `preempted` on; the `failed` that confirms it keeps it
  PREEMPTED (a self-loop, not a way out of the terminal state).
- `cancelling`, `preempting`, `reprioritizing`, `reprioritized`, `utilisation` and
  `ingress_info` never change the state; they are accepted on active jobs only.
- Nothing leaves a terminal state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import IntEnum
from typing import Any

from armada_core.events import EventKind
from armada_core.jobs import ACTIVE_STATES, TERMINAL_STATES, JobState

NEW = JobState.UNKNOWN  # the state of a job before its `submitted` event


class FailureCause(IntEnum):
    """The `cause` of a `failed` event, numbered as Armada's `Cause` enum."""

    ERROR = 0
    EVICTED = 1
    OOM = 2
    DEADLINE_EXCEEDED = 3
    REJECTED = 4


class IllegalTransition(RuntimeError):
    """An event that cannot happen to a job in its current state.

    Use cases only emit events the table allows for the state they read, so this
    signals a bug (or, for future executor reports, a stale report to refuse).
    """

    def __init__(self, state: JobState, kind: EventKind, variant: str) -> None:
        shown = f"{kind.value}({variant})" if variant else kind.value
        super().__init__(f"no transition from {state.name} on {shown}")
        self.state = state
        self.kind = kind


# Variants of `failed`, chosen from the event's fields by `_variant`.
RETRYABLE = "retryable"
REJECTED = "rejected"

_RUN_STATES = (JobState.LEASED, JobState.PENDING, JobState.RUNNING)
_NEUTRAL_KINDS = (
    EventKind.CANCELLING,
    EventKind.PREEMPTING,
    EventKind.REPRIORITIZING,
    EventKind.REPRIORITIZED,
    EventKind.UTILISATION,
    EventKind.INGRESS_INFO,
)

_Key = tuple[JobState, EventKind, str]


def _build_table() -> dict[_Key, JobState]:
    table: dict[_Key, JobState] = {
        (NEW, EventKind.SUBMITTED, ""): JobState.SUBMITTED,
        (JobState.SUBMITTED, EventKind.QUEUED, ""): JobState.QUEUED,
        # A job rejected before it is ever leased (decision 5), or failed for good
        # while waiting again after a returned lease.
        (JobState.QUEUED, EventKind.FAILED, REJECTED): JobState.REJECTED,
        (JobState.QUEUED, EventKind.FAILED, ""): JobState.FAILED,
        # A retry policy retrying a run whose lease expired (`lease_expired` first).
        (JobState.QUEUED, EventKind.FAILED, RETRYABLE): JobState.QUEUED,
        (JobState.QUEUED, EventKind.LEASED, ""): JobState.LEASED,
        (JobState.LEASED, EventKind.PENDING, ""): JobState.PENDING,
        (JobState.PENDING, EventKind.RUNNING, ""): JobState.RUNNING,
        # An executor may report a pod running before we saw it pending.
        (JobState.LEASED, EventKind.RUNNING, ""): JobState.RUNNING,
        (JobState.PREEMPTED, EventKind.FAILED, ""): JobState.PREEMPTED,
    }
    for state in _RUN_STATES:
        table[state, EventKind.LEASE_RETURNED, ""] = JobState.QUEUED
        table[state, EventKind.LEASE_EXPIRED, ""] = JobState.QUEUED
        table[state, EventKind.FAILED, RETRYABLE] = JobState.QUEUED
        table[state, EventKind.FAILED, ""] = JobState.FAILED
        # A rejection after a lease is an ordinary failure.
        table[state, EventKind.FAILED, REJECTED] = JobState.FAILED
        table[state, EventKind.SUCCEEDED, ""] = JobState.SUCCEEDED
        table[state, EventKind.PREEMPTED, ""] = JobState.PREEMPTED
    for state in ACTIVE_STATES:
        table[state, EventKind.CANCELLED, ""] = JobState.CANCELLED
        for kind in _NEUTRAL_KINDS:
            table[state, kind, ""] = state
    return table


TRANSITIONS: Mapping[_Key, JobState] = _build_table()


def _variant(kind: EventKind, fields: Mapping[str, Any]) -> str:
    if kind is not EventKind.FAILED:
        return ""
    if fields.get("retryable"):
        return RETRYABLE
    if fields.get("cause") == FailureCause.REJECTED:
        return REJECTED
    return ""


def apply(state: JobState, kind: EventKind, fields: Mapping[str, Any] | None = None) -> JobState:
    """The state after an event of `kind` (with its `fields`) happens in `state`.

    Raises IllegalTransition when the table has no such transition.
    """
    variant = _variant(kind, fields or {})
    try:
        return TRANSITIONS[state, kind, variant]
    except KeyError:
        raise IllegalTransition(state, kind, variant) from None


def apply_all(state: JobState, kinds: Iterable[EventKind]) -> JobState:
    """The state after events without fields happen in order."""
    for kind in kinds:
        state = apply(state, kind)
    return state


def is_terminal(state: JobState) -> bool:
    """Whether no event can take a job out of `state`."""
    return state in TERMINAL_STATES
