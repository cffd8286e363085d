"""Call deadlines: the gRPC `grpc-timeout` value and the error of a call that outlives it.

The value's wire format is gRPC's (PROTOCOL-HTTP2.md, `Timeout`): 1 to 8 ASCII digits
and one unit letter, `H` hours, `M` minutes, `S` seconds, `m` milliseconds,
`u` microseconds, `n` nanoseconds (`200m`, `30S`). Both transports can read it:
grpc-gateway's `Grpc-Timeout` header carries the same text as gRPC's `grpc-timeout`.

The errors are core errors raised on the adapter side, so the one status table
(`armada_adapters.wire.errors`) gives them their codes over either transport:
`InvalidGrpcTimeout` is an INVALID_ARGUMENT (HTTP 400, as grpc-gateway answers a bad
`Grpc-Timeout`) and `DeadlineExceeded` is DEADLINE_EXCEEDED (HTTP 504).
"""

from __future__ import annotations

from armada_core.errors import ArmadaError, InvalidArgument

MAX_DIGITS = 8
# Unit → (multiplier, divisor) to seconds; dividing keeps `1m` exactly 1/1000.
UNITS: dict[str, tuple[int, int]] = {
    "H": (3600, 1),
    "M": (60, 1),
    "S": (1, 1),
    "m": (1, 1_000),
    "u": (1, 1_000_000),
    "n": (1, 1_000_000_000),
}
_EXPECTED = "expected 1 to 8 digits and a unit (H, M, S, m, u or n), e.g. 200m"
_ECHO_LIMIT = 32  # the value is echoed into the error message: a bounded excerpt only

# What a gRPC client sees when its deadline passes (grpc-go's context error text).
DEADLINE_EXCEEDED_MESSAGE = "context deadline exceeded"


class InvalidGrpcTimeout(InvalidArgument):
    """A `grpc-timeout` / `Grpc-Timeout` value that is not in gRPC's format."""


class DeadlineExceeded(ArmadaError):
    """The call's deadline passed before it finished."""

    def __init__(self, message: str = DEADLINE_EXCEEDED_MESSAGE) -> None:
        super().__init__(message)


def parse_grpc_timeout(value: str) -> float:
    """The timeout `value` stands for, in seconds; `InvalidGrpcTimeout` if malformed.

    Stricter than grpc-gateway v1.16 (which takes any signed 64-bit number): the
    digits must be ASCII and at most 8, as gRPC's wire format says, so every valid
    value fits and none is negative. `0S` is valid and means zero seconds; what a
    zero timeout does is the transport's business.
    """
    reason = _malformation(value)
    if reason is not None:
        raise InvalidGrpcTimeout(f"invalid grpc-timeout: {_excerpt(value)}: {reason}; {_EXPECTED}")
    multiplier, divisor = UNITS[value[-1]]
    return int(value[:-1]) * multiplier / divisor


def _malformation(value: str) -> str | None:
    """Why `value` is not a timeout, or None when it is one."""
    if not value:
        return "empty value"
    digits, unit = value[:-1], value[-1]
    if unit not in UNITS:
        return "no unit" if unit.isdigit() else f"unknown unit {unit!r}"
    if not digits:
        return "no digits before the unit"
    # str.isdigit() accepts non-ASCII digits (Arabic-Indic, fullwidth); the wire does not.
    if not (digits.isascii() and digits.isdigit()):
        return f"{digits!r} is not all ASCII digits"
    if len(digits) > MAX_DIGITS:
        return f"{len(digits)} digits, at most {MAX_DIGITS} allowed"
    return None


def _excerpt(value: str) -> str:
    shown = value if len(value) <= _ECHO_LIMIT else value[:_ECHO_LIMIT] + "..."
    return repr(shown)
