"""Helpers shared by the conversions: Go's omitempty, timestamps, typed reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from armada_adapters.wire.errors import WireDecodeError
from armada_core.echo import shown
from armada_core.jobs import JobState

JsonDict = dict[str, Any]

SERVING, NOT_SERVING = 1, 2  # api.HealthCheckResponse.ServingStatus


def compact(**pairs: Any) -> JsonDict:
    """A dict of the non-zero pairs, in the order given (Go's `omitempty`).

    Only for scalars, lists and maps: a set message is written even when empty,
    so callers add those themselves.
    """
    return {key: value for key, value in pairs.items() if value}


def timestamp(ns: int) -> JsonDict:
    """A `google.protobuf.Timestamp` as Go writes it: `{seconds, nanos}`, zeros left out."""
    seconds, nanos = divmod(ns, 1_000_000_000)
    return compact(seconds=seconds, nanos=nanos)


def text(data: Mapping[str, Any], key: str) -> str:
    """A string field ("" when absent)."""
    return str(data.get(key) or "")


def number(data: Mapping[str, Any], key: str) -> float:
    """A double field (0.0 when absent)."""
    return float(data.get(key) or 0.0)


def integer(data: Mapping[str, Any], key: str) -> int:
    """An integer field (0 when absent)."""
    return int(data.get(key) or 0)


def flag(data: Mapping[str, Any], key: str) -> bool:
    """A bool field (False when absent)."""
    return bool(data.get(key))


def strings(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """A repeated string field."""
    return tuple(str(v) for v in data.get(key) or ())


def string_map(data: Mapping[str, Any], key: str) -> dict[str, str]:
    """A `map<string, string>` field."""
    return {str(k): str(v) for k, v in (data.get(key) or {}).items()}


def job_states(values: Iterable[Any], path: str) -> tuple[JobState, ...]:
    """`api.JobState` numbers; a number outside the enum is a bad request."""
    states = []
    for i, value in enumerate(values):
        try:
            states.append(JobState(int(value)))
        except ValueError:
            message = f"unknown job state {shown(repr(value))}"
            raise WireDecodeError(f"{path}[{i}]", message) from None
    return tuple(states)


def unique(ids: Iterable[str]) -> tuple[str, ...]:
    """The ids without repeats, first occurrence kept."""
    return tuple(dict.fromkeys(ids))


def empty() -> JsonDict:
    """`google.protobuf.Empty`."""
    return {}


def health_response(serving: bool) -> JsonDict:
    """`api.HealthCheckResponse`."""
    return {"status": SERVING if serving else NOT_SERVING}
