"""Shared checks for the conversion tests."""

from __future__ import annotations

from typing import Any

from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pool import message_class


def assert_valid(data: dict[str, Any], message: str) -> None:
    """`data` fits the schema exactly: decoding and re-encoding gives it back unchanged."""
    assert to_json(from_json(data, message_class(message))) == data


def normalised(data: dict[str, Any], message: str) -> dict[str, Any]:
    """What the REST adapter hands to the conversions: `to_json(from_json(body))`."""
    return to_json(from_json(data, message_class(message)))
