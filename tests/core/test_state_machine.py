"""The transition table: documented transitions, refusals, and properties."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from armada_core.events import EventKind
from armada_core.jobs import ACTIVE_STATES, TERMINAL_STATES, JobState
from armada_core.state_machine import (
    NEW,
    TRANSITIONS,
    FailureCause,
    IllegalTransition,
    apply,
    apply_all,
    is_terminal,
)

S = JobState
K = EventKind


@pytest.mark.parametrize(
    ("state", "kind", "fields", "expected"),
    [
        (NEW, K.SUBMITTED, {}, S.SUBMITTED),
        (S.SUBMITTED, K.QUEUED, {}, S.QUEUED),
        (S.QUEUED, K.LEASED, {}, S.LEASED),
        (S.LEASED, K.PENDING, {}, S.PENDING),
        (S.PENDING, K.RUNNING, {}, S.RUNNING),
        (S.RUNNING, K.SUCCEEDED, {}, S.SUCCEEDED),
        (S.RUNNING, K.LEASE_RETURNED, {}, S.QUEUED),
        (S.PENDING, K.LEASE_EXPIRED, {}, S.QUEUED),
        (S.RUNNING, K.FAILED, {"retryable": True}, S.QUEUED),
        (S.RUNNING, K.FAILED, {"retryable": False}, S.FAILED),
        (S.QUEUED, K.FAILED, {"cause": FailureCause.REJECTED}, S.REJECTED),
        (S.QUEUED, K.FAILED, {"cause": 4}, S.REJECTED),
        (S.LEASED, K.FAILED, {"cause": FailureCause.REJECTED}, S.FAILED),
        (S.QUEUED, K.FAILED, {}, S.FAILED),
        (S.RUNNING, K.PREEMPTED, {}, S.PREEMPTED),
        (S.PREEMPTED, K.FAILED, {}, S.PREEMPTED),
        (S.QUEUED, K.CANCELLED, {}, S.CANCELLED),
        (S.RUNNING, K.CANCELLED, {}, S.CANCELLED),
        (S.QUEUED, K.CANCELLING, {}, S.QUEUED),
        (S.RUNNING, K.REPRIORITIZED, {}, S.RUNNING),
        (S.PENDING, K.UTILISATION, {}, S.PENDING),
    ],
)
def test_documented_transitions(
    state: JobState, kind: EventKind, fields: dict[str, Any], expected: JobState
) -> None:
    assert apply(state, kind, fields) is expected


def test_a_submitted_job_is_queued() -> None:
    """Storage inserts new jobs as QUEUED: the state after `submitted`, `queued`."""
    assert apply_all(NEW, [K.SUBMITTED, K.QUEUED]) is S.QUEUED


@pytest.mark.parametrize(
    ("state", "kind"),
    [
        (S.QUEUED, K.SUBMITTED),
        (S.QUEUED, K.RUNNING),
        (S.QUEUED, K.SUCCEEDED),
        (S.QUEUED, K.LEASE_RETURNED),
        (S.SUCCEEDED, K.CANCELLED),
        (S.CANCELLED, K.CANCELLING),
        (S.FAILED, K.FAILED),
        (NEW, K.QUEUED),
    ],
)
def test_illegal_transitions_raise(state: JobState, kind: EventKind) -> None:
    with pytest.raises(IllegalTransition, match=f"from {state.name} on {kind.value}"):
        apply(state, kind)


def test_a_retryable_failure_after_a_lease_expiry_keeps_the_job_queued() -> None:
    # A retry policy retrying an expired lease: `lease_expired`, then `failed` (retryable).
    expired = apply(S.RUNNING, K.LEASE_EXPIRED)
    assert apply(expired, K.FAILED, {"retryable": True}) is S.QUEUED
    with pytest.raises(IllegalTransition, match=r"failed\(retryable\)"):
        apply(S.SUBMITTED, K.FAILED, {"retryable": True})


def test_terminal_states_have_no_way_out() -> None:
    for (state, _kind, _variant), target in TRANSITIONS.items():
        if is_terminal(state):
            assert target is state


def test_neutral_events_only_on_active_jobs() -> None:
    for kind in (K.CANCELLING, K.PREEMPTING, K.REPRIORITIZING, K.INGRESS_INFO):
        for state in ACTIVE_STATES:
            assert apply(state, kind) is state
        for state in TERMINAL_STATES:
            with pytest.raises(IllegalTransition):
                apply(state, kind)


# --- properties ---------------------------------------------------------------------

_FIELDS = st.sampled_from(
    [{}, {"retryable": True}, {"retryable": False}, {"cause": FailureCause.REJECTED}]
)
_EVENTS = st.lists(st.tuples(st.sampled_from(list(EventKind)), _FIELDS), max_size=40)
# Where `queued` may come from: the documented ways back into the queue.
_RUN_STATES = (S.LEASED, S.PENDING, S.RUNNING)
_INTO_QUEUED = {(S.SUBMITTED, K.QUEUED)} | {
    (s, k) for s in _RUN_STATES for k in (K.LEASE_RETURNED, K.LEASE_EXPIRED, K.FAILED)
}


Events = list[tuple[EventKind, dict[str, Any]]]


def _walk(events: Events) -> list[tuple[JobState, EventKind, JobState]]:
    """Apply the legal events of a random sequence from NEW; skip the illegal ones."""
    state, steps = NEW, []
    for kind, fields in [(K.SUBMITTED, {}), *events]:
        try:
            target = apply(state, kind, fields)
        except IllegalTransition:
            continue
        steps.append((state, kind, target))
        state = target
    return steps


@given(_EVENTS)
def test_never_leaves_a_terminal_state(events: Events) -> None:
    reached_terminal = None
    for _before, _kind, after in _walk(events):
        if reached_terminal is not None:
            assert after is reached_terminal
        if is_terminal(after):
            reached_terminal = after


@given(_EVENTS)
def test_queued_is_reached_only_from_documented_states(events: Events) -> None:
    for before, kind, after in _walk(events):
        if after is S.QUEUED and before is not S.QUEUED:
            assert (before, kind) in _INTO_QUEUED


@given(st.sampled_from(list(JobState)), st.sampled_from(list(EventKind)), _FIELDS)
def test_no_event_leads_back_to_before_submission(
    state: JobState, kind: EventKind, fields: dict[str, Any]
) -> None:
    try:
        target = apply(state, kind, fields)
    except IllegalTransition:
        return
    assert target is not NEW
    assert (target is S.SUBMITTED) == (state is NEW)
