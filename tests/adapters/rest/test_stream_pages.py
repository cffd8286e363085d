"""A page of stream replies goes out as a few chunks of many lines, in order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from armada_adapters.rest import streaming
from armada_adapters.wire.pages import Page

pytestmark = pytest.mark.anyio


class _Numbers(Page[int]):
    def to_json(self, item: int) -> dict[str, Any]:
        return {"n": item}

    def to_bytes(self, item: int) -> bytes:
        raise AssertionError("REST writes JSON")


async def _items() -> AsyncIterator[Any]:
    yield {"n": -1}  # a lone reply, then two pages
    yield _Numbers(range(150))
    yield _Numbers(range(150, 200))


async def test_pages_are_written_as_chunks_of_lines() -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        await anyio.sleep_forever()  # the client never leaves
        return {}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await streaming.relay(_items(), receive, send, lambda exc: {"error": str(exc)})
    bodies = [m["body"] for m in sent if m["type"] == "http.response.body"]
    text = b"".join(bodies).decode()
    assert text.splitlines() == [f'{{"result":{{"n":{n}}}}}' for n in range(-1, 200)]
    # 1 lone line + ceil(150 / 64) + 1 chunks, then the end of the body
    assert len(bodies) == 1 + 3 + 1 + 1
    assert sent[-1] == {"type": "http.response.body", "body": b"", "more_body": False}
