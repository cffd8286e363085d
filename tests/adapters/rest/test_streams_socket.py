"""Streams over a real socket (uvicorn): watch lines arrive live; leaving frees the watcher."""

from __future__ import annotations

import json

import anyio
import httpx
import pytest
from rest_support import FollowerFeed, queue_body, submit_body

pytestmark = pytest.mark.anyio

ADMIN = {"authorization": "Bearer admin"}


async def test_watch_lines_arrive_while_the_job_set_grows(
    live_url: str, feed: FollowerFeed
) -> None:
    async with httpx.AsyncClient(base_url=live_url, headers=ADMIN, timeout=10) as client:
        await client.post("/v1/queue", json=queue_body("q"))
        with anyio.fail_after(10):
            async with client.stream("POST", "/v1/job-set/q/js", json={"watch": True}) as watch:
                # Decision 11: the headers come at once, before there is any event.
                assert watch.status_code == 200
                assert watch.headers["content-type"] == "application/json"
                lines = watch.aiter_lines()
                for round_ in range(3):
                    body = submit_body("q", "js", start=round_)
                    submitted = await client.post("/v1/job/submit", json=body)
                    job_id = submitted.json()["jobResponseItems"][0]["jobId"]
                    first = json.loads(await anext(lines))
                    second = json.loads(await anext(lines))
                    assert first["result"]["message"]["submitted"]["jobId"] == job_id, round_
                    assert second["result"]["message"]["queued"]["jobId"] == job_id


async def test_a_client_that_leaves_releases_its_watcher(live_url: str, feed: FollowerFeed) -> None:
    async with httpx.AsyncClient(base_url=live_url, headers=ADMIN, timeout=10) as client:
        await client.post("/v1/queue", json=queue_body("q"))
        await client.post("/v1/job/submit", json=submit_body("q", "js"))
        with anyio.fail_after(10):
            async with client.stream("POST", "/v1/job-set/q/js", json={"watch": True}) as watch:
                lines = watch.aiter_lines()
                await anext(lines)
                await anext(lines)  # replayed; the watcher now waits on the change feed
                assert feed.follower_count() == 1
                emptied = feed.watch_for_empty()
            # Leaving the block closes the connection; the server must notice at once.
            await emptied.wait()
    assert feed.follower_count() == 0
