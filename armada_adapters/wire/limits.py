"""The size limit of one request message, shared by both protocols.

Armada's server takes gRPC's default: a request message may hold at most 4 MiB, and
a compressed one at most that once decompressed. The REST adapter applies the same
limit to request bodies. Both refuse with `MessageTooLarge`, which the status table
maps to RESOURCE_EXHAUSTED (HTTP 429 through the gateway's table), and both refuse
before reading the rest of the message.
"""

from __future__ import annotations

DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
# Executors send node snapshots and event batches up to their own 8 MiB receive
# limit (Armada's `maxMessageSizeBytes`): the executor API has a limit of its own.
EXECUTOR_MAX_MESSAGE_BYTES = 16 * 1024 * 1024


class MessageTooLarge(Exception):
    """A request message over the limit; `size` when its length is known up front."""

    def __init__(self, limit: int, size: int | None = None, *, what: str = "message") -> None:
        over = f"{size} vs. {limit}" if size is not None else f"more than {limit} bytes"
        super().__init__(f"received {what} larger than max ({over})")
        self.limit = limit
        self.size = size


def check_message_limit(limit: int) -> int:
    """`limit` if it is a usable message size limit (ValueError otherwise)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"the message size limit must be a positive number of bytes: {limit!r}")
    return limit
