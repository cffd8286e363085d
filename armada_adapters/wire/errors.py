"""Status codes: the one table from errors to gRPC codes and from codes to HTTP.

Both adapters ask this module, so a core error gets the same code over gRPC and
REST. gRPC codes are our own `IntEnum` (same numbers as grpclib's `Status`), so
nothing here imports a transport library.

    core ArmadaError subclass ──code_for──▶ StatusCode ──http_status──▶ HTTP status
    DeadlineExceeded (a call's deadline) ─▶ DEADLINE_EXCEEDED
    WireDecodeError (bad JSON shape) ─────▶ INVALID_ARGUMENT
    MessageTooLarge (request size limit) ─▶ RESOURCE_EXHAUSTED
    anything else ────────────────────────▶ INTERNAL

And the last bound on what a failure may say: `bounded_message` cuts any message to
`MAX_MESSAGE_BYTES`, whatever produced it (the core bounds what it echoes already).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from http import HTTPStatus

from armada_adapters.wire.deadlines import DeadlineExceeded
from armada_adapters.wire.limits import MessageTooLarge
from armada_core.errors import (
    AlreadyExists,
    ArmadaError,
    ClientIdsTaken,
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    Unavailable,
)


class StatusCode(IntEnum):
    """gRPC status codes (numbers as on the wire)."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


class WireDecodeError(Exception):
    """A request body does not fit the schema (wrong type, bad value).

    `path` locates the offending value, JSON-style (`jobRequestItems[0].priority`);
    empty for the document itself.
    """

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message

    def within(self, segment: str) -> WireDecodeError:
        """The same error seen from the enclosing value (`segment` is a key or `[i]`)."""
        if not self.path:
            path = segment
        elif self.path.startswith("["):
            path = segment + self.path
        else:
            path = f"{segment}.{self.path}"
        return WireDecodeError(path, self.message)


ERROR_CODES: Mapping[type[BaseException], StatusCode] = {
    InvalidArgument: StatusCode.INVALID_ARGUMENT,
    NotFound: StatusCode.NOT_FOUND,
    AlreadyExists: StatusCode.ALREADY_EXISTS,
    FailedPrecondition: StatusCode.FAILED_PRECONDITION,
    Conflict: StatusCode.ABORTED,
    # Never leaves the core (the submit answers with the earlier ids); listed to be complete.
    ClientIdsTaken: StatusCode.ABORTED,
    PermissionDenied: StatusCode.PERMISSION_DENIED,
    Unauthenticated: StatusCode.UNAUTHENTICATED,
    Unavailable: StatusCode.UNAVAILABLE,
    # Adapter-side: the deadline a client set (grpc-timeout, Grpc-Timeout) passed.
    DeadlineExceeded: StatusCode.DEADLINE_EXCEEDED,
    WireDecodeError: StatusCode.INVALID_ARGUMENT,
    MessageTooLarge: StatusCode.RESOURCE_EXHAUSTED,
    # The root maps too, so a future subclass without its own entry is INTERNAL
    # on purpose rather than by accident of the fallback.
    ArmadaError: StatusCode.INTERNAL,
}

# grpc-gateway v1.16 `HTTPStatusFromCode` (armada-api.md §9.4).
HTTP_STATUS: Mapping[StatusCode, int] = {
    StatusCode.OK: 200,
    StatusCode.CANCELLED: 408,
    StatusCode.UNKNOWN: 500,
    StatusCode.INVALID_ARGUMENT: 400,
    StatusCode.DEADLINE_EXCEEDED: 504,
    StatusCode.NOT_FOUND: 404,
    StatusCode.ALREADY_EXISTS: 409,
    StatusCode.PERMISSION_DENIED: 403,
    StatusCode.UNAUTHENTICATED: 401,
    StatusCode.RESOURCE_EXHAUSTED: 429,
    StatusCode.FAILED_PRECONDITION: 400,
    StatusCode.ABORTED: 409,
    StatusCode.OUT_OF_RANGE: 400,
    StatusCode.UNIMPLEMENTED: 501,
    StatusCode.INTERNAL: 500,
    StatusCode.UNAVAILABLE: 503,
    StatusCode.DATA_LOSS: 500,
}

# Go's `codes.Code.String()`; note the single "l" in Canceled.
_GO_NAMES: Mapping[StatusCode, str] = {
    StatusCode.OK: "OK",
    StatusCode.CANCELLED: "Canceled",
    StatusCode.UNKNOWN: "Unknown",
    StatusCode.INVALID_ARGUMENT: "InvalidArgument",
    StatusCode.DEADLINE_EXCEEDED: "DeadlineExceeded",
    StatusCode.NOT_FOUND: "NotFound",
    StatusCode.ALREADY_EXISTS: "AlreadyExists",
    StatusCode.PERMISSION_DENIED: "PermissionDenied",
    StatusCode.RESOURCE_EXHAUSTED: "ResourceExhausted",
    StatusCode.FAILED_PRECONDITION: "FailedPrecondition",
    StatusCode.ABORTED: "Aborted",
    StatusCode.OUT_OF_RANGE: "OutOfRange",
    StatusCode.UNIMPLEMENTED: "Unimplemented",
    StatusCode.INTERNAL: "Internal",
    StatusCode.UNAVAILABLE: "Unavailable",
    StatusCode.DATA_LOSS: "DataLoss",
    StatusCode.UNAUTHENTICATED: "Unauthenticated",
}


# grpclib HPACK-encodes a status message in time quadratic in its length, on the loop
# both protocols share: no message that leaves may be longer than this.
MAX_MESSAGE_BYTES = 1024
_CUT = "… (truncated)"
_KEPT_BYTES = MAX_MESSAGE_BYTES - len(_CUT.encode())


def bounded_message(message: str) -> str:
    """`message` if it has at most `MAX_MESSAGE_BYTES` of UTF-8, else its start and a mark."""
    head = message[: MAX_MESSAGE_BYTES + 1]  # O(1) in the message: look no further
    data = head.encode("utf-8", "surrogatepass")
    if len(data) <= MAX_MESSAGE_BYTES and len(head) == len(message):
        return message
    return data[:_KEPT_BYTES].decode("utf-8", "ignore") + _CUT


def code_for(error: BaseException) -> StatusCode:
    """The status code of an exception, from the nearest class in its MRO; else INTERNAL."""
    for cls in type(error).__mro__:
        code = ERROR_CODES.get(cls)
        if code is not None:
            return code
    return StatusCode.INTERNAL


def http_status(code: StatusCode) -> int:
    """The HTTP status the gateway answers for a gRPC code."""
    return HTTP_STATUS.get(code, 500)


def http_reason(status: int) -> str:
    """The reason phrase of an HTTP status (Go's `http.StatusText`)."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def go_code_name(code: StatusCode) -> str:
    """The code as Go prints it (`NotFound`, `Canceled`...)."""
    return _GO_NAMES[code]


def go_status_text(code: StatusCode, message: str) -> str:
    """Go's `status.Error(code, message).Error()`: the text of a batch queue failure."""
    return f"rpc error: code = {go_code_name(code)} desc = {message}"
