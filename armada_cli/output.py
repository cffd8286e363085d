"""How results are printed: armadactl's YAML form of API objects.

Objects are rendered from their Go-JSON form (camelCase keys, empty fields left out),
keys sorted, as Go's JSON→YAML conversion writes them; a whole-number float prints
as an integer there (`priorityFactor: 1`), and so here.
"""

from __future__ import annotations

from typing import Any

import yaml
from google.protobuf.message import Message

from armada_adapters.wire.jsoncodec import to_json

API_VERSION = "armadaproject.io/v1beta1"


def header(kind: str) -> str:
    return f"apiVersion: {API_VERSION}\nkind: {kind}\n"


def go_json(message: Message) -> dict[str, Any]:
    """The message as Go's JSON would write it, whole floats as integers."""
    data: dict[str, Any] = _whole(to_json(message))
    return data


def to_yaml(data: Any) -> str:
    """Block-style YAML with sorted keys (`[]` for an empty list)."""
    return yaml.safe_dump(data, default_flow_style=False, sort_keys=True, allow_unicode=True)


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {k: _whole(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole(v) for v in value]
    return value
