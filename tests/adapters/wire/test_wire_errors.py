"""The status-code table: every core error has a code, codes map to HTTP like the gateway."""

from __future__ import annotations

import importlib

import pytest

import armada_core.errors as core_errors
from armada_adapters.wire.errors import (
    ERROR_CODES,
    HTTP_STATUS,
    MAX_MESSAGE_BYTES,
    StatusCode,
    WireDecodeError,
    bounded_message,
    code_for,
    go_status_text,
    http_reason,
    http_status,
)

# Test doubles subclass ArmadaError too; only the shipped packages' classes count.
PACKAGES = ("armada_core", "armada_auth", "armada_storage", "armada_adapters")


def _shipped(cls: type) -> bool:
    return cls.__module__.split(".")[0] in PACKAGES


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def _table_class(cls: type) -> type:
    return next(c for c in cls.__mro__ if c in ERROR_CODES)


def test_every_armada_error_subclass_has_an_entry() -> None:
    """Core classes are in the table themselves; subclasses elsewhere (auth backends)
    reach a core class through their MRO, never just the INTERNAL root entry."""
    importlib.import_module("armada_auth.base")  # defines subclasses of its own
    subclasses = [c for c in _subclasses(core_errors.ArmadaError) if _shipped(c)]
    assert core_errors.NotFound in subclasses  # the walk found the tree
    core = [c for c in subclasses if c.__module__ == "armada_core.errors"]
    assert [c.__qualname__ for c in core if c not in ERROR_CODES] == []
    unmapped = [c.__qualname__ for c in subclasses if _table_class(c) is core_errors.ArmadaError]
    assert unmapped == []


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (core_errors.InvalidArgument("x"), StatusCode.INVALID_ARGUMENT),
        (core_errors.NotFound("x"), StatusCode.NOT_FOUND),
        (core_errors.AlreadyExists("x"), StatusCode.ALREADY_EXISTS),
        (core_errors.FailedPrecondition("x"), StatusCode.FAILED_PRECONDITION),
        (core_errors.Conflict("x"), StatusCode.ABORTED),
        (core_errors.PermissionDenied("x"), StatusCode.PERMISSION_DENIED),
        (core_errors.Unauthenticated("x"), StatusCode.UNAUTHENTICATED),
        (core_errors.Unavailable("x"), StatusCode.UNAVAILABLE),
        (core_errors.ArmadaError("x"), StatusCode.INTERNAL),
        (WireDecodeError("a.b", "bad"), StatusCode.INVALID_ARGUMENT),
        (RuntimeError("boom"), StatusCode.INTERNAL),
        (KeyError("k"), StatusCode.INTERNAL),
    ],
)
def test_code_for(error: BaseException, code: StatusCode) -> None:
    assert code_for(error) is code


def test_code_is_resolved_through_the_mro() -> None:
    class QueueMissing(core_errors.NotFound):
        pass

    assert code_for(QueueMissing("q")) is StatusCode.NOT_FOUND


def test_status_code_numbers_are_grpcs() -> None:
    assert [c.value for c in StatusCode] == list(range(17))
    assert StatusCode.UNAUTHENTICATED == 16
    assert StatusCode.ABORTED == 10


@pytest.mark.parametrize(
    ("code", "status", "reason"),
    [
        (StatusCode.OK, 200, "OK"),
        (StatusCode.CANCELLED, 408, "Request Timeout"),
        (StatusCode.UNKNOWN, 500, "Internal Server Error"),
        (StatusCode.INVALID_ARGUMENT, 400, "Bad Request"),
        (StatusCode.DEADLINE_EXCEEDED, 504, "Gateway Timeout"),
        (StatusCode.NOT_FOUND, 404, "Not Found"),
        (StatusCode.ALREADY_EXISTS, 409, "Conflict"),
        (StatusCode.PERMISSION_DENIED, 403, "Forbidden"),
        (StatusCode.UNAUTHENTICATED, 401, "Unauthorized"),
        (StatusCode.RESOURCE_EXHAUSTED, 429, "Too Many Requests"),
        (StatusCode.FAILED_PRECONDITION, 400, "Bad Request"),
        (StatusCode.ABORTED, 409, "Conflict"),
        (StatusCode.OUT_OF_RANGE, 400, "Bad Request"),
        (StatusCode.UNIMPLEMENTED, 501, "Not Implemented"),
        (StatusCode.INTERNAL, 500, "Internal Server Error"),
        (StatusCode.UNAVAILABLE, 503, "Service Unavailable"),
        (StatusCode.DATA_LOSS, 500, "Internal Server Error"),
    ],
)
def test_gateway_http_table(code: StatusCode, status: int, reason: str) -> None:
    assert http_status(code) == status
    assert http_reason(status) == reason


def test_http_table_covers_every_code() -> None:
    assert set(HTTP_STATUS) == set(StatusCode)


def test_go_status_text() -> None:
    assert (
        go_status_text(StatusCode.INVALID_ARGUMENT, "error validating queue: bad")
        == "rpc error: code = InvalidArgument desc = error validating queue: bad"
    )
    assert go_status_text(StatusCode.CANCELLED, "x") == "rpc error: code = Canceled desc = x"
    assert go_status_text(code_for(core_errors.Conflict("c")), "c").startswith(
        "rpc error: code = Aborted desc"
    )


def test_wire_decode_error_paths() -> None:
    error = WireDecodeError("", "expected string").within("name").within("[0]").within("items")
    assert error.path == "items[0].name"
    assert str(error) == "items[0].name: expected string"
    assert str(WireDecodeError("", "bad")) == "bad"


def test_short_messages_leave_as_they_are() -> None:
    assert bounded_message('could not find queue "q"') == 'could not find queue "q"'
    exact = "é" * (MAX_MESSAGE_BYTES // 2)
    assert bounded_message(exact) == exact


@pytest.mark.parametrize("message", ["q" * 1_000_000, "é" * 600, "€" * 1_000_000])
def test_long_messages_are_cut_to_the_bound_on_a_character(message: str) -> None:
    bounded = bounded_message(message)
    assert len(bounded.encode()) <= MAX_MESSAGE_BYTES
    assert bounded.endswith("… (truncated)")
    assert message.startswith(bounded.removesuffix("… (truncated)"))
