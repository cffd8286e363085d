"""upb messages ⇄ Go-JSON dicts: the JSON Armada's REST gateway speaks.

The rules are Go `encoding/json` on Armada's generated structs
(armada-api.md §9.2), not protobuf's JSON mapping:

* keys are the fields' `json_name`; `api.*` fields with zero values are left
  out, Kubernetes fields (explicit presence) are written whenever present;
* enums are numbers (RetryAction: its short name, "Fail"/"Retry"), 64-bit
  integers JSON numbers, bytes base64, Timestamp an object `{seconds, nanos}`;
  Kubernetes `Quantity`, `IntOrString`, `Time`, `MicroTime` and `FieldsV1`
  have their Kubernetes JSON forms, inline structs are flattened into their
  parent;
* a oneof is written under Go's wrapper key (`{"Event": {"queue": ...}}`),
  except `api.EventMessage`, which is `{"submitted": ...}`.

Decoding is as tolerant as Go's decoder (case-insensitive keys, unknown keys
ignored, `null` = unset, enum names as well as numbers, any int32 for an
enum as over gRPC, so the core judges both transports alike) and raises only
`WireDecodeError`. With `keep_unknown`, protobuf fields our schema lacks are
carried under `UNKNOWN_KEY` so that they survive a trip through the dict.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

from google.protobuf.message import Message

from armada_adapters.wire._encode import UNKNOWN_KEY
from armada_adapters.wire._plans import DecodeContext, MessagePlan, plan_for
from armada_adapters.wire._unknown import patch_unknown
from armada_adapters.wire.errors import WireDecodeError

__all__ = ["UNKNOWN_KEY", "WireDecodeError", "from_json", "prepare", "to_json"]

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=Message)


def to_json(message: Message, *, keep_unknown: bool = False) -> dict[str, Any]:
    """The Go-JSON dict of a message.

    Raises `WireDecodeError` only for values JSON cannot express (a Kubernetes time
    outside years 1-9999, `FieldsV1` bytes that are not JSON).
    """
    out: dict[str, Any] = plan_for(message.DESCRIPTOR).encode(message, keep_unknown)
    return out


def from_json(data: Any, message_class: type[M]) -> M:
    """The message a Go-JSON value describes; `WireDecodeError` if it does not fit."""
    codec = plan_for(message_class.DESCRIPTOR)
    ctx = DecodeContext()
    kwargs = codec.decode(data, ctx)
    try:
        message = message_class(**kwargs)
    except (ValueError, TypeError) as error:
        # The decoders check every value, so this is a gap in them: say what it was.
        logger.warning("upb refused decoded %s: %s", message_class.__name__, error)
        raise WireDecodeError("", "invalid value") from None
    if ctx.unknown and isinstance(codec, MessagePlan):
        patch_unknown(codec, message, data)
    return message


def prepare(*message_classes: type[Message]) -> None:
    """Compile the codec of these messages (and all they contain) now.

    Otherwise the first `to_json`/`from_json` of a type pays for it (about 30 ms
    for a JobSubmitRequest); a server calls this at startup.
    """
    for message_class in message_classes:
        codec = plan_for(message_class.DESCRIPTOR)
        if isinstance(codec, MessagePlan):
            codec.built()
