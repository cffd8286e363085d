"""Failures as the gateway writes them (armada-api.md §9.4, §9.5).

The code of an error comes from `armada_adapters.wire.errors`, the table the gRPC
adapter uses too; the HTTP status from the same module's gateway table. This
module only shapes the bodies. Anything unexpected becomes INTERNAL with a fixed
message, logged once with its traceback; its text never reaches the client.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.responses import Response

from armada_adapters.wire.errors import (
    StatusCode,
    WireDecodeError,
    code_for,
    http_reason,
    http_status,
)
from armada_adapters.wire.limits import MessageTooLarge
from armada_core.errors import ArmadaError

logger = logging.getLogger(__name__)

INTERNAL_MESSAGE = "internal server error"
JSON = "application/json"


def failure(exc: Exception, where: str) -> tuple[StatusCode, str]:
    """The code and client-facing message of `exc`, raised while handling `where`.

    Call it inside the `except` block: an unexpected error is logged with its traceback.
    """
    if isinstance(exc, ArmadaError):
        return code_for(exc), exc.message
    if isinstance(exc, (WireDecodeError, MessageTooLarge)):
        return code_for(exc), str(exc)
    logger.exception("unexpected error in %s", where)
    return StatusCode.INTERNAL, INTERNAL_MESSAGE


def unary_error(code: StatusCode, message: str) -> Response:
    """`{"error", "code", "message"}` with the gateway's HTTP status for `code`."""
    body: dict[str, Any] = {"error": message}
    if code:
        body["code"] = int(code)
    body["message"] = message
    return Response(dumps(body), status_code=http_status(code), media_type=JSON)


def stream_refusal(code: StatusCode, message: str) -> Response:
    """A stream that failed before its first line: the error object as the whole body."""
    body = dumps(stream_error(code, message))
    return Response(body, status_code=http_status(code), media_type=JSON)


def stream_error(code: StatusCode, message: str) -> dict[str, Any]:
    """The error object of a stream: the whole body, or its last line."""
    status = http_status(code)
    return {
        "error": {
            "grpc_code": int(code),
            "http_code": status,
            "message": message,
            "http_status": http_reason(status),
        }
    }


def dumps(value: Any) -> bytes:
    """Compact JSON, UTF-8 as it is (Go's encoder does not escape non-ASCII)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
