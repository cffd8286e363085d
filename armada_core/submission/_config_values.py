"""Converters from YAML values to `SubmissionConfig` attribute values.

They accept what Armada's config loader (viper + mapstructure, weakly typed) accepts
for these fields: booleans and numbers also as strings, Go duration strings, and a
list of one-entry maps where a map is expected (Armada's own `config.yaml` writes
`defaultJobTolerationsByResourceRequest` that way).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from armada_core.jobs import KubeObject
from armada_core.quantity import Quantity
from armada_core.submission._go import parse_go_duration

Converter = Callable[[Any], Any]

_TOLERATION_FIELDS = {
    name.lower(): name for name in ("key", "operator", "value", "effect", "tolerationSeconds")
}


def string(raw: Any) -> str:
    if not isinstance(raw, str):
        raise TypeError(f"expected a string, got {raw!r}")
    return raw


def boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise TypeError(f"expected a boolean, got {raw!r}")


def non_negative_int(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise TypeError(f"expected an integer, got {raw!r}")
    value = int(raw)
    if value < 0:
        raise ValueError(f"expected a non-negative integer, got {raw!r}")
    return value


def duration(raw: Any) -> timedelta:
    if isinstance(raw, timedelta):
        return raw
    if isinstance(raw, str):
        return parse_go_duration(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return timedelta(microseconds=raw / 1000)  # Go reads a bare number as nanoseconds
    raise TypeError(f"expected a duration such as '5m', got {raw!r}")


def quantity(raw: Any) -> Quantity:
    return raw if isinstance(raw, Quantity) else Quantity.parse(raw)


def string_tuple(raw: Any) -> tuple[str, ...]:
    return tuple(string(item) for item in _sequence(raw))


def name_set(raw: Any) -> frozenset[str]:
    """Armada's `map[string]bool`: names mapped to true; a plain list is accepted too."""
    if isinstance(raw, Mapping):
        return frozenset(string(name) for name, allowed in raw.items() if boolean(allowed))
    return frozenset(string_tuple(raw))


def quantity_map(raw: Any) -> dict[str, Quantity]:
    return {name: quantity(value) for name, value in _mapping(raw).items()}


def duration_map(raw: Any) -> dict[str, timedelta]:
    return {name: duration(value) for name, value in _mapping(raw).items()}


def float_map(raw: Any) -> dict[str, float]:
    return {name: _float(value) for name, value in _mapping(raw).items()}


def tolerations(raw: Any) -> tuple[KubeObject, ...]:
    return tuple(toleration(item) for item in _sequence(raw))


def toleration_map(raw: Any) -> dict[str, tuple[KubeObject, ...]]:
    return {name: tolerations(value) for name, value in _mapping(raw).items()}


def toleration(raw: Any) -> KubeObject:
    """A toleration in Kubernetes JSON shape; field names match case-insensitively."""
    result: KubeObject = {}
    for name, value in _mapping(raw).items():
        field_name = _TOLERATION_FIELDS.get(name.lower())
        if field_name is None:
            raise ValueError(f"unknown toleration field {name!r}")
        if value not in (None, ""):
            result[field_name] = value
    return result


def _float(raw: Any) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise TypeError(f"expected a number, got {raw!r}")
    return float(raw)


def _sequence(raw: Any) -> Sequence[Any]:
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
        raise TypeError(f"expected a list, got {raw!r}")
    return raw


def _mapping(raw: Any) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        entries = raw
    elif isinstance(raw, Sequence) and not isinstance(raw, str | bytes):
        entries = {}
        for item in raw:  # a list of maps is merged, as mapstructure does
            entries.update(_mapping(item))
    else:
        raise TypeError(f"expected a map, got {raw!r}")
    return {string(name): value for name, value in entries.items()}
