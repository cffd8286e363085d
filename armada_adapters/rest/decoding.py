"""HTTP request → the request message of the RPC behind a route.

As grpc-gateway maps it (armada-api.md §9.1): for `body: "*"` the whole JSON body
(empty = `{}`; whitespace only = 400, unlike the gateway), otherwise the query
string; then the path parameters over their fields. The wire codec does every type
check, so a body that does not fit the message is a `WireDecodeError`
(INVALID_ARGUMENT, 400), never a crash.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, cast

from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

from armada_adapters.rest.params import query_fields, with_path_fields
from armada_adapters.rest.routes import RestRoute
from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.paced import from_json_paced, release_paced
from armada_adapters.wire.pool import message_class


async def decode_request(
    route: RestRoute,
    body: bytes,
    query: Iterable[tuple[str, str]],
    path_params: Mapping[str, str],
) -> Message:
    """The request message of `route` for this body, query string and path.

    A long list of messages (the jobs of a submit) is decoded in paced slices.
    """
    cls = message_class(route.request_type)
    descriptor = cast(Descriptor, cls.DESCRIPTOR)
    data = parse_body(body) if route.body else query_fields(descriptor, query, path_params)
    if isinstance(data, dict) and path_params:
        data = with_path_fields(descriptor, data, path_params)
    message = await from_json_paced(data, cls)
    await release_paced(data)
    return message


def parse_body(body: bytes) -> Any:
    """The first JSON value of the body; `{}` for an empty body or `null`.

    Like Go's `json.Decoder.Decode`, whatever follows the first value is not read.
    Unlike the gateway, a body of whitespace only is refused: Go's decoder meets
    its end before any value and the gateway takes that for an empty body, but a
    client that sent bytes meant something, and no client sends that (issue 9).
    """
    if not body:
        return {}
    try:
        # Go's decoder reads invalid UTF-8 inside strings as U+FFFD.
        text = body.decode("utf-8", "replace").lstrip(" \t\r\n")
        if not text:
            raise WireDecodeError("", "invalid JSON: the body is whitespace only")
        value, _ = _DECODER.raw_decode(text)
    except ValueError as error:
        raise WireDecodeError("", f"invalid JSON: {error}") from None
    except RecursionError:
        raise WireDecodeError("", "invalid JSON: nested too deeply") from None
    return {} if value is None else value


def _reject_constant(name: str) -> Any:
    # Python reads NaN and Infinity; JSON (and Go) do not.
    raise ValueError(f"invalid literal {name!r}")


_DECODER = json.JSONDecoder(parse_constant=_reject_constant)
