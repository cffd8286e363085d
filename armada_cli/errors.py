"""The CLI's one error type and how a failed RPC reads in a message.

A command raises `CliError(message)`; `main` prints `Error: <message>` on stderr and
exits 1. gRPC failures are rendered as Go's `status` errors print
(`rpc error: code = NotFound desc = ...`), so messages match armadactl's.
"""

from __future__ import annotations

from grpclib.const import Status
from grpclib.exceptions import GRPCError

from armada_adapters.wire.errors import StatusCode, go_status_text

MAX_MESSAGE = 2000  # a server's message is echoed, but never megabytes of it


class CliError(Exception):
    """A failure to report as one line: `Error: <message>`, exit status 1."""


def rpc_error_text(error: GRPCError) -> str:
    """`rpc error: code = <GoName> desc = <message>`, as grpc-go formats a status."""
    return go_status_text(StatusCode(error.status.value), (error.message or "")[:MAX_MESSAGE])


def unsupported(error: GRPCError, what: str) -> CliError | None:
    """A clear error if the server does not serve `what` (UNIMPLEMENTED), else None."""
    if error.status is Status.UNIMPLEMENTED:
        return CliError(f"{what} is not supported by this server ({rpc_error_text(error)})")
    return None
