"""A real server in this event loop (SQLite, ports of its own) and a Prometheus reader."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from armada_adapters.server.bootstrap import serve
from armada_adapters.server.config import parse_config
from armada_adapters.server.listeners import Endpoints

REFRESH = "50ms"
WAIT = 15.0


def free_port() -> int:
    """A port free a moment ago (metricsPort 0 means off, so the test picks one)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def running_server(folder: Path, **extra: Any) -> AsyncIterator[Endpoints]:
    """`serve()` with metrics on, until the block ends."""
    config = parse_config(
        {
            "grpcPort": 0,
            "httpPort": 0,
            "metricsPort": free_port(),
            "bindAddress": "127.0.0.1",
            "storage": {"backend": "sqlite", "sqlite": {"path": str(folder / "a.db")}},
            "metrics": {"refreshInterval": REFRESH},
            **extra,
        }
    )
    stop = asyncio.Event()
    ready: asyncio.Future[Endpoints] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(config, stop=stop, on_ready=ready.set_result))
    try:
        yield await asyncio.wait_for(ready, timeout=WAIT)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=WAIT)


class Scraper:
    """Reads `/metrics` over HTTP and finds samples by name and labels."""

    def __init__(self, client: httpx.AsyncClient, port: int) -> None:
        self.client = client
        self.url = f"http://127.0.0.1:{port}/metrics"
        self.text = ""

    async def scrape(self) -> str:
        response = await self.client.get(self.url)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        self.text = response.text
        return self.text

    async def value(self, name: str, **labels: str) -> float | None:
        """The sample `name{labels...}` (other labels summed over), None if absent."""
        found = None
        for family in text_string_to_metric_families(await self.scrape()):
            for sample in family.samples:
                if sample.name == name and _matches(sample.labels, labels):
                    found = (found or 0.0) + sample.value
        return found

    async def wait_for(
        self, name: str, wanted: Callable[[float | None], bool], **labels: str
    ) -> float | None:
        """Scrape until `wanted(value)` holds (the census runs on a timer)."""
        deadline = time.monotonic() + WAIT
        while True:
            value = await self.value(name, **labels)
            if wanted(value) or time.monotonic() > deadline:
                return value
            await asyncio.sleep(0.05)


def _matches(labels: Mapping[str, str], wanted: Mapping[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in wanted.items())
