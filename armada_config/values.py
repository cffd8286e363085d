"""Weakly typed YAML scalars for the executor's config reader (`armada_executor.config`).

TODO(config): main's executor (and the server's `localExecutor:` section, which hands its
mapping to `armada_executor.embedded`) still read their keys with these converters, moved
here from `armada_core.submission._config_values` unchanged when branch `config` merged
main. Next step: the executor's sections become dataclasses read by `policy.read_section`
(then a bare duration number means seconds, as everywhere else, instead of nanoseconds),
and this module goes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from armada_config.durations import parse_go_duration
from armada_core.quantity import Quantity


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


def quantity_map(raw: Any) -> dict[str, Quantity]:
    return {name: quantity(value) for name, value in _mapping(raw).items()}


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
