"""Helpers of the browser tests: submitting through the REST API, screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from ui_support import POD

LIVE_TIMEOUT_MS = 15_000  # a poll is every 2 s; a busy shared machine may be slow


def submit(
    api: httpx.Client, queue: str, job_set: str, n: int, pod: Any = POD, **item: Any
) -> list[str]:
    items = [{"namespace": "default", "podSpec": pod, **item} for _ in range(n)]
    body = {"queue": queue, "jobSetId": job_set, "jobRequestItems": items}
    response = api.post("/v1/job/submit", json=body)
    response.raise_for_status()
    return [r["jobId"] for r in response.json()["jobResponseItems"]]


def shot(page: Any, artifacts: Path, name: str) -> None:
    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
