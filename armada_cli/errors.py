"""The CLI's one error type and how a failed RPC reads in a message.

A command raises `CliError(message)`; `main` prints `Error: <message>` on stderr and
exits 1. gRPC failures are rendered as Go's `status` errors print
(`rpc error: code = NotFound desc = ...`), so messages match armadactl's.
"""

from __future__ import annotations

from grpclib.const import Status
from grpclib.exceptions import GRPCError

MAX_MESSAGE = 2000  # a server's message is echoed, but never megabytes of it
_IRREGULAR = {Status.OK: "OK", Status.CANCELLED: "Canceled"}


class CliError(Exception):
    """A failure to report as one line: `Error: <message>`, exit status 1."""


def rpc_error_text(error: GRPCError) -> str:
    """`rpc error: code = <GoName> desc = <message>`, as grpc-go formats a status."""
    message = (error.message or "")[:MAX_MESSAGE]
    return f"rpc error: code = {go_code_name(error.status)} desc = {message}"


def go_code_name(status: Status) -> str:
    """`NOT_FOUND` → `NotFound` (grpc-go's `codes.Code.String()`)."""
    if status in _IRREGULAR:
        return _IRREGULAR[status]
    return "".join(part.capitalize() for part in status.name.split("_"))


def unsupported(error: GRPCError, what: str) -> CliError | None:
    """A clear error if the server does not serve `what` (UNIMPLEMENTED), else None."""
    if error.status is Status.UNIMPLEMENTED:
        return CliError(f"{what} is not supported by this server ({rpc_error_text(error)})")
    return None
