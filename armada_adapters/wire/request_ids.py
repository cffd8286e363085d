"""Request ids (decision 14), the rules both transports share.

An incoming `x-request-id` is kept when it is safe to echo into logs and headers
(printable ASCII, at most 128 characters); otherwise a fresh one is made rather than
the call refused: the id is only for tracing, and a client that sent a bad one still
deserves an answer, with the id it can quote. Error messages start with the id as Armada's
interceptor words it.
"""

from __future__ import annotations

import uuid

from armada_adapters.wire.errors import bounded_message

REQUEST_ID_KEY = "x-request-id"
MAX_REQUEST_ID_LENGTH = 128


def new_request_id() -> str:
    """A fresh id (a UUID, as Armada makes them)."""
    return str(uuid.uuid4())


def request_id_from(value: object) -> str:
    """The client's id if it sent a usable one, else a fresh one."""
    if isinstance(value, str) and _usable(value):
        return value
    return new_request_id()


def _usable(value: str) -> bool:
    # It is echoed into logs and headers: printable ASCII of bounded length only.
    return 0 < len(value) <= MAX_REQUEST_ID_LENGTH and value.isascii() and value.isprintable()


def prefixed(message: str, request_id: str | None) -> str:
    """An error message as Armada words it: `[x-request-id: "<id>"] <message>`, bounded."""
    return bounded_message(f'[x-request-id: "{request_id}"] {message}' if request_id else message)
