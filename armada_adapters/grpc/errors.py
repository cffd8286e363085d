"""Exceptions → gRPC status, on the adapter side.

Core errors take their code from `armada_adapters.wire.errors`, the one table both
adapters share. Anything unexpected becomes INTERNAL with a fixed message; its
details go to the log once, never to the client.
"""

from __future__ import annotations

import logging

from google.protobuf.message import DecodeError
from grpclib.const import Status
from grpclib.exceptions import GRPCError

from armada_adapters.wire.errors import WireDecodeError, code_for
from armada_adapters.wire.limits import MessageTooLarge
from armada_core.errors import ArmadaError

logger = logging.getLogger(__name__)

INTERNAL_MESSAGE = "internal server error"
UNDECODABLE_MESSAGE = "grpc: error unmarshalling request"


def status_for(exc: Exception, method: str) -> tuple[Status, str]:
    """The status and message to send for `exc`, raised while handling `method`.

    Call it inside the `except` block: an unexpected error is logged with its traceback.
    """
    if isinstance(exc, GRPCError):
        return exc.status, exc.message or ""
    if isinstance(exc, ArmadaError):
        return Status(int(code_for(exc))), exc.message
    if isinstance(exc, (WireDecodeError, MessageTooLarge)):
        return Status(int(code_for(exc))), str(exc)
    if isinstance(exc, DecodeError):
        return Status.INVALID_ARGUMENT, UNDECODABLE_MESSAGE
    logger.exception("unexpected error in %s", method)
    return Status.INTERNAL, INTERNAL_MESSAGE


def to_grpc_error(exc: Exception, method: str) -> GRPCError:
    """`status_for` as a `GRPCError`, for code that raises instead of sending trailers."""
    status, message = status_for(exc, method)
    return GRPCError(status, message)
