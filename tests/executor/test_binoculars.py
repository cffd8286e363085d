"""Binoculars `Logs` served from the executor's log files, and log retention."""

from __future__ import annotations

import os
import time

import pytest
from grpclib.const import Cardinality, Status
from grpclib.exceptions import GRPCError
from grpclib.testing import ChannelFor

from armada_executor.binoculars import BinocularsLogs
from armada_executor.logs import TRUNCATED, LogStore, LogWriter
from armada_executor.messages import BINOCULARS_LOGS, LogRequest, LogResponse

pytestmark = pytest.mark.anyio


def write(store: LogStore, job: str, run: str, container: str, lines: list[str]) -> None:
    writer = LogWriter(store.run_dir(job, run) / f"{container}.log", 1 << 20)
    writer.write_lines(lines)
    writer.close()


async def call(store: LogStore, request) -> list[tuple[str, str]]:
    async with (
        ChannelFor([BinocularsLogs(store)]) as channel,
        channel.request(
            BINOCULARS_LOGS, Cardinality.UNARY_UNARY, LogRequest, LogResponse
        ) as stream,
    ):
        await stream.send_message(request, end=True)
        reply = await stream.recv_message()
    return [(line.timestamp, line.line) for line in reply.log]


async def test_logs_of_a_job_are_served_with_timestamps(tmp_path):
    store = LogStore(tmp_path, max_runs=10, max_age_seconds=3600)
    write(store, "j1", "r1", "init", ["first"])
    write(store, "j1", "r1", "main", ["hi", "there"])
    lines = await call(store, LogRequest(job_id="j1"))
    assert [text for _, text in lines] == ["first", "hi", "there"]
    assert all(stamp.endswith("Z") and "T" in stamp for stamp, _ in lines)
    request = LogRequest(job_id="j1")
    request.log_options.container = "main"
    request.log_options.tailLines = 1
    assert [text for _, text in await call(store, request)] == ["there"]


async def test_an_unknown_job_is_not_found(tmp_path):
    store = LogStore(tmp_path, max_runs=10, max_age_seconds=3600)
    with pytest.raises(GRPCError) as caught:
        await call(store, LogRequest(job_id="../../etc"))
    assert caught.value.status is Status.NOT_FOUND


def test_a_log_stops_at_its_size_limit_with_a_marker(tmp_path):
    writer = LogWriter(tmp_path / "main.log", 200)
    writer.write_lines([f"line {i}" for i in range(100)])
    writer.write_lines(["more"])
    writer.close()
    text = (tmp_path / "main.log").read_text()
    assert len(text) <= 200 + 100
    assert text.rstrip().endswith(TRUNCATED)
    assert writer.tail_text().endswith("more")


def test_retention_keeps_the_newest_runs_and_drops_old_ones(tmp_path):
    store = LogStore(tmp_path, max_runs=2, max_age_seconds=3600)
    now = time.time()
    for i, age in enumerate((10, 20, 30, 7200)):
        write(store, f"j{i}", "r", "main", ["x"])
        os.utime(store.run_dir(f"j{i}", "r"), (now - age, now - age))
    assert store.prune(now) == 2
    assert store.latest_run("j0") is not None and store.latest_run("j1") is not None
    assert store.latest_run("j2") is None and not (tmp_path / "j2").exists()
