"""Binoculars' REST route (`POST /v1/binoculars/log`) on the executor's own HTTP port,
over a real socket."""

from __future__ import annotations

from contextlib import AsyncExitStack
from dataclasses import replace

import httpx
import pytest
from test_binoculars import write

from armada_executor.assembly import assemble, log_store
from armada_executor.config import ExecutorConfig, parse_config

pytestmark = pytest.mark.anyio


def config(work_dir) -> ExecutorConfig:
    parsed = parse_config({"local": {"workDir": str(work_dir), "binocularsHttpPort": 0}})
    return replace(parsed, armada_url="127.0.0.1:1", force_no_tls=True)  # never dialled here


async def test_logs_over_rest_as_the_gateway_serves_them(work_dir):
    settings = config(work_dir)
    async with AsyncExitStack() as stack:
        port = (await assemble(settings, stack)).binoculars_http_port
        assert port
        write(log_store(settings), "job-1", "run-1", "main", ["hi", "there"])
        url = f"http://127.0.0.1:{port}/v1/binoculars/log"
        async with httpx.AsyncClient() as client:
            found = await client.post(url, json={"jobId": "job-1", "logOptions": {"tailLines": 1}})
            missing = await client.post(url, json={"jobId": "no-such-job"})
            bad = await client.post(url, content=b'{"jobId": 3}')
            not_json = await client.post(url, content=b"{")
            too_big = await client.post(url, content=b" " * (1 << 20))
            wrong_verb = await client.get(url)
    assert found.status_code == 200
    [line] = found.json()["log"]
    assert line["line"] == "there" and line["timestamp"].endswith("Z")
    assert missing.status_code == 404
    assert missing.json()["code"] == 5 and "no-such-job" in missing.json()["message"]
    assert bad.status_code == 400 and bad.json()["code"] == 3
    assert not_json.status_code == 400
    assert too_big.status_code == 429  # RESOURCE_EXHAUSTED, as the REST adapter answers
    assert wrong_verb.status_code == 405


async def test_no_port_no_listener(work_dir):
    parsed = replace(parse_config({"local": {"workDir": str(work_dir)}}), armada_url="h:1")
    async with AsyncExitStack() as stack:
        assert (await assemble(parsed, stack)).binoculars_http_port is None
