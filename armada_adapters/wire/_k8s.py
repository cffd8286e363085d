"""Kubernetes types whose JSON is not their protobuf shape.

`Quantity` is a string (`"200m"`), `IntOrString` an int or a string, `Time` and
`MicroTime` RFC 3339 strings, `FieldsV1` raw JSON. Some structs embed another
with `json:",inline"`: the embedded message's fields sit in the parent object
(`INLINE_FIELDS`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from typing import Any

from google.protobuf.descriptor import FieldDescriptor

from armada_adapters.wire._scalars import int_decoder, valid_unicode, wrong_type
from armada_adapters.wire.errors import WireDecodeError
from armada_core.echo import shown

QUANTITY = "k8s.io.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING = "k8s.io.apimachinery.pkg.util.intstr.IntOrString"
TIME = "k8s.io.apimachinery.pkg.apis.meta.v1.Time"
MICRO_TIME = "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime"
FIELDS_V1 = "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1"

# Go structs embedding another with `json:",inline"`: (message, field) pairs.
# (go-to-protobuf names such a field after the embedded type; `handler` kept the
# name of ProbeHandler's predecessor.)
_CORE = "k8s.io.api.core.v1."
INLINE_FIELDS: frozenset[tuple[str, str]] = frozenset(
    {
        *(
            (_CORE + message, "localObjectReference")
            for message in (
                "ConfigMapEnvSource",
                "ConfigMapKeySelector",
                "ConfigMapProjection",
                "ConfigMapVolumeSource",
                "SecretEnvSource",
                "SecretKeySelector",
                "SecretProjection",
            )
        ),
        (_CORE + "Volume", "volumeSource"),
        (_CORE + "Probe", "handler"),
        (_CORE + "EphemeralContainer", "ephemeralContainerCommon"),
        (_CORE + "PersistentVolumeSpec", "persistentVolumeSource"),
        ("k8s.io.api.networking.v1.IngressRule", "ingressRuleValue"),
        ("k8s.io.apimachinery.pkg.runtime.Unknown", "typeMeta"),
    }
)

# resource.ParseQuantity's grammar: signed decimal, then a binary/decimal SI suffix
# or a decimal exponent.
_QUANTITY = re.compile(
    r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+|[KMGTPE]i|[numkMGTPE])?"
)
_QUANTITY_MATCH = _QUANTITY.fullmatch
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))"
)
_INT32 = int_decoder(FieldDescriptor.TYPE_INT32)


def is_quantity(text: str) -> bool:
    """Whether Kubernetes would parse `text` as a quantity."""
    return _QUANTITY.fullmatch(text) is not None


class QuantityCodec:
    """`"1Gi"` ⇄ `Quantity{string}`; numbers are accepted and kept as written."""

    def encode(self, message: Any, keep: bool) -> str:
        # An empty quantity is Go's zero Quantity, which prints as "0".
        return str(message.string) or "0"

    def decode(self, value: Any, ctx: Any) -> dict[str, Any]:
        if type(value) is str and _QUANTITY_MATCH(value) is not None:
            return {"string": value}  # the usual case, in one regex call
        if isinstance(value, str):
            text = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if isinstance(value, float) and not math.isfinite(value):
                raise WireDecodeError("", f"invalid quantity {shown(repr(value))}")
            text = repr(value) if isinstance(value, float) else str(int(value))
        else:
            raise wrong_type("quantity", value)
        if not is_quantity(text):
            raise WireDecodeError("", f"invalid quantity {shown(repr(text))}")
        return {"string": text}


class IntOrStringCodec:
    """`8080` or `"http"` ⇄ `IntOrString{type, intVal, strVal}` (all three set, as Go writes)."""

    def encode(self, message: Any, keep: bool) -> Any:
        return str(message.strVal) if message.type == 1 else int(message.intVal)

    def decode(self, value: Any, ctx: Any) -> dict[str, Any]:
        if isinstance(value, str):
            return {"type": 1, "intVal": 0, "strVal": value}
        return {"type": 0, "intVal": _INT32(value, ctx), "strVal": ""}


class TimeCodec:
    """meta/v1 `Time` (whole seconds) or `MicroTime` as RFC 3339 in UTC."""

    def __init__(self, micro: bool) -> None:
        self.micro = micro

    def encode(self, message: Any, keep: bool) -> str:
        seconds, nanos = int(message.seconds), int(message.nanos)
        try:
            moment = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=seconds)
        except OverflowError:
            raise WireDecodeError("", f"time {seconds}s is out of range") from None
        text = (
            f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
            f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
        )
        if self.micro:
            text += f".{nanos // 1000:06d}"
        return text + "Z"

    def decode(self, value: Any, ctx: Any) -> dict[str, Any]:
        if not isinstance(value, str):
            raise wrong_type("RFC 3339 time string", value)
        match = _RFC3339.fullmatch(value)
        if match is None:
            raise WireDecodeError("", f"invalid RFC 3339 time {shown(repr(value))}")
        return _rfc3339_parts(match)


def _rfc3339_parts(match: re.Match[str]) -> dict[str, Any]:
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    try:
        dt.datetime(year, month, day, hour, minute, second)
    except ValueError:
        raise WireDecodeError("", f"invalid RFC 3339 time {shown(repr(match.string))}") from None
    seconds = calendar.timegm((year, month, day, hour, minute, second))
    if match.group(9):
        offset = int(match.group(10)) * 3600 + int(match.group(11)) * 60
        seconds -= offset if match.group(9) == "+" else -offset
    nanos = int((match.group(7) or "").ljust(9, "0")[:9])
    return {"seconds": seconds, "nanos": nanos}


class FieldsV1Codec:
    """meta/v1 `FieldsV1`: its `Raw` bytes are JSON and appear inline."""

    def encode(self, message: Any, keep: bool) -> Any:
        raw = bytes(message.Raw)
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise WireDecodeError("", "FieldsV1 does not hold JSON") from None

    def decode(self, value: Any, ctx: Any) -> dict[str, Any]:
        try:
            text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
            return {"Raw": valid_unicode(text).encode("utf-8")}
        except (ValueError, TypeError, RecursionError):
            raise WireDecodeError("", "FieldsV1 is not representable as JSON") from None


def special_codecs() -> Mapping[str, Any]:
    """The codecs of Kubernetes types with their own JSON form, by message full name."""
    return {
        QUANTITY: QuantityCodec(),
        INT_OR_STRING: IntOrStringCodec(),
        TIME: TimeCodec(micro=False),
        MICRO_TIME: TimeCodec(micro=True),
        FIELDS_V1: FieldsV1Codec(),
    }
