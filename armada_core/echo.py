"""How an error message shows a value the client sent: never more than a short prefix.

Error messages travel in gRPC trailers and HTTP bodies; a message that repeats a
megabyte name costs the server (HPACK encodes a status message in time quadratic
in its length) and the client. Every message that echoes input goes through `shown`.
"""

from __future__ import annotations

MAX_SHOWN = 128  # characters shown whole; longer values show a prefix and their length
_PREFIX = 48


def shown(value: object) -> str:
    """`value` as text for a message: whole when short, else `prefix… (N chars)`.

    O(1) in the length of a string (a slice and `len`); other values are rendered
    with `str` first, so pass strings where the value may be large.
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) <= MAX_SHOWN:
        return text
    return f"{text[:_PREFIX]}… ({len(text)} chars)"
