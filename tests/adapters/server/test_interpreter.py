"""The reference server's interpreter settings: switch interval and collector policy."""

from __future__ import annotations

import gc
import sys

import anyio
import anyio.lowlevel
import pytest

from armada_adapters.server import interpreter

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the collector task is an asyncio task, as the server's loop is


async def test_settings_are_set_while_serving_and_given_back_after() -> None:
    before = (sys.getswitchinterval(), gc.get_threshold())
    stop = interpreter.tune_interpreter()
    try:
        assert sys.getswitchinterval() == pytest.approx(interpreter.SWITCH_INTERVAL_SECONDS)
        assert gc.get_threshold() == (
            interpreter.YOUNG_THRESHOLD,
            interpreter.NEVER,
            interpreter.NEVER,
        )
        assert gc.get_freeze_count() > 0
    finally:
        await stop()
    assert (sys.getswitchinterval(), gc.get_threshold()) == before
    assert gc.get_freeze_count() == 0


class Heap:
    """A fake heap size and a record of the collections asked for."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.blocks = 1_000_000
        self.collections: list[int] = []
        self.clock = 0.0
        monkeypatch.setattr(interpreter.sys, "getallocatedblocks", lambda: self.blocks)
        monkeypatch.setattr(interpreter.gc, "collect", self.collect)
        monkeypatch.setattr(interpreter.time, "monotonic", lambda: self.clock)
        monkeypatch.setattr(interpreter, "CHECK_SECONDS", 0)

    def collect(self, generation: int = 2) -> int:
        self.collections.append(generation)
        return 0

    async def rounds(self, count: int) -> None:
        """Let the collector task check `count` times."""
        for _ in range(count):
            for _ in range(5):
                await anyio.lowlevel.checkpoint()


async def test_older_generations_are_collected_when_quiet_and_not_while_a_big_request_lives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    heap = Heap(monkeypatch)
    async with anyio.create_task_group() as tg:
        tg.start_soon(interpreter._collect_when_quiet)
        await heap.rounds(3)
        quiet = len(heap.collections)
        assert quiet >= 1 and set(heap.collections) <= {1, 2}
        heap.blocks += 10 * interpreter.QUIET_BLOCKS  # a big request is alive
        await heap.rounds(3)
        assert len(heap.collections) == quiet
        heap.clock += interpreter.LONGEST_WAIT_SECONDS  # ... for too long: collect anyway
        await heap.rounds(3)
        assert len(heap.collections) > quiet
        tg.cancel_scope.cancel()
