"""The job page's runs, failure and logs (logs from an in-process reader or Binoculars)."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from grpclib.server import Server
from ui_support import ADMIN, CLUSTER, USERS, client_as, make_queue, run_and_fail, submit

from armada_adapters.rest import create_app
from armada_adapters.server.listeners import bind
from armada_adapters.ui import LogSources
from armada_adapters.ui.logs import KIB_STEPS, within
from armada_auth import build_authenticator
from armada_core.commands import CancelJobs
from armada_core.service import ArmadaService
from armada_executor.binoculars import BinocularsLogs
from armada_executor.logs import LogStore, LogWriter

pytestmark = pytest.mark.anyio
XSS = "<script>alert(1)</script>"


async def _client(service: ArmadaService, logs: LogSources) -> httpx.AsyncClient:
    authenticator = await build_authenticator({"basicAuth": {"users": USERS}})
    return client_as(create_app(service, authenticator, ui=True, ui_logs=logs), "admin")


@pytest.fixture
async def failed_job(service: ArmadaService) -> tuple[str, str]:
    await make_queue(service, "a")
    [job_id] = await submit(service, "a", "s")
    return job_id, await run_and_fail(service, job_id)


def lines_reader(lines: list[tuple[str, str]], seen: list[tuple[str, int]]):  # type: ignore[no-untyped-def]
    def read(job_id: str, tail: int) -> list[tuple[str, str]] | None:
        seen.append((job_id, tail))
        return lines[-tail:]

    return read


async def test_failed_job_shows_runs_reason_exit_code_and_category(
    service: ArmadaService, failed_job: tuple[str, str]
) -> None:
    job_id, run_id = failed_job
    async with await _client(service, LogSources()) as admin:
        page = await admin.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    text = page.text
    assert 'class="state state-failed">FAILED' in text
    [row] = re.findall(rf'<tr data-run-id="{run_id}">(.*?)</tr>', text, re.S)
    assert CLUSTER in row and "node-1" in row and "default" in row and "FAILED" in row
    assert '<td class="exit-code">3</td>' in row
    assert '<td class="exit-code">3</td>' in text.split('<table class="runs">')[0]
    assert "user-error / exit-code" in text and '<td class="cause">ERROR</td>' in text
    # Reasons are the executor's text: shown escaped, never as markup.
    assert "main exited 3 &lt;script&gt;x()&lt;/script&gt;" in text and "<script>x()" not in text
    assert "&lt;b&gt;boom&lt;/b&gt;" in text
    message = f"No logs available: no Binoculars is configured for cluster {CLUSTER}."
    assert message in text


async def test_logs_of_the_latest_run_are_shown_escaped(
    service: ArmadaService, failed_job: tuple[str, str]
) -> None:
    job_id, _ = failed_job
    seen: list[tuple[str, int]] = []
    lines = [("2026-12-03T04:00:00.000000000Z", "starting"), ("2026-12-03T04:00:01Z", XSS)]
    logs = LogSources(readers={CLUSTER: lines_reader(lines, seen)})
    async with await _client(service, logs) as admin:
        page = await admin.get(f"/jobs/{job_id}")
        polled = await admin.get(f"/jobs/{job_id}", headers={"hx-request": "true"})
    assert seen == [(job_id, KIB_STEPS[0] * 16)]  # once: a poll does not ask again
    log = page.text.split('<pre class="log">')[1].split("</pre>")[0]
    assert "starting" in log and html.escape(XSS) in log and XSS not in page.text
    assert "The last 2 lines of the latest run, from the local executor" in page.text
    assert 'class="more"' not in page.text  # nothing was cut
    assert "Logs" not in polled.text and "FAILED" in polled.text


async def test_a_long_log_is_cut_to_its_last_kib_with_a_link_to_more(
    service: ArmadaService, failed_job: tuple[str, str]
) -> None:
    job_id, _ = failed_job
    lines = [("t", f"line {i:05d} " + "x" * 100) for i in range(20_000)]
    seen: list[tuple[str, int]] = []
    logs = LogSources(readers={CLUSTER: lines_reader(lines, seen)})
    async with await _client(service, logs) as admin:
        first = await admin.get(f"/jobs/{job_id}")
        more = re.search(r'<a class="more" href="([^"]+)"', first.text)
        assert more is not None and "log_kib=256" in more.group(1)
        second = await admin.get(html.unescape(more.group(1)).split("#")[0])
        bad = await admin.get(f"/jobs/{job_id}", params={"log_kib": "999999999"})
    log = first.text.split('<pre class="log">')[1].split("</pre>")[0]
    assert len(log.replace('<span class="ts">t</span> ', "")) <= 64 * 1024  # the lines' text
    assert "line 19999" in log and "line 19000 " not in log
    assert "(at most 64 KiB)" in first.text
    assert seen[1] == (job_id, 256 * 16) and "line 19000 " in second.text
    assert seen[2] == (job_id, 64 * 16) and bad.status_code == 200  # unknown size: smallest


def test_within_keeps_the_last_lines_and_the_end_of_one_huge_line() -> None:
    lines = [("t", "a" * 10), ("t", "b" * 10), ("t", "c" * 10)]
    assert within(lines, 22) == ([("t", "b" * 10), ("t", "c" * 10)], True)
    assert within(lines, 100) == (lines, False)
    [(_, text)], cut = within([("t", "é" * 1000)], 10)
    assert cut and text.startswith("…") and len(text.encode()) <= 13


@pytest.fixture
async def binoculars(tmp_path: Path) -> AsyncIterator[tuple[int, LogStore]]:
    """The executor's own Binoculars server on a real port, over a log store in tmp."""
    store = LogStore(tmp_path / "logs", 10, 3600)
    server = Server([BinocularsLogs(store)])
    sock = bind("127.0.0.1", 0)
    await server.start(sock=sock)
    port = sock.getsockname()[1]
    try:
        yield port, store
    finally:
        server.close()
        await server.wait_closed()


async def test_logs_from_the_clusters_binoculars_over_grpc(
    service: ArmadaService, failed_job: tuple[str, str], binoculars: tuple[int, LogStore]
) -> None:
    job_id, run_id = failed_job
    port, store = binoculars
    writer = LogWriter(store.run_dir(job_id, run_id) / "main.log", 1 << 20)
    writer.write_lines(["hello from the pod", XSS])
    writer.close()
    logs = LogSources(url_pattern=f"127.0.0.1:{port}")
    pattern = LogSources(url_pattern=f"{{CLUSTER_ID}}:{port}")
    async with await _client(service, logs) as admin:
        page = await admin.get(f"/jobs/{job_id}")
    assert "hello from the pod" in page.text and html.escape(XSS) in page.text
    assert f"from Binoculars at 127.0.0.1:{port}" in page.text
    # The pattern names the run's cluster: an unknown host is a message, not an error page.
    async with await _client(service, pattern) as admin:
        page = await admin.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    assert f"No logs available: Binoculars at {CLUSTER}:{port} did not answer" in page.text


async def test_a_cluster_without_logs_of_the_job_says_so(
    service: ArmadaService, failed_job: tuple[str, str], binoculars: tuple[int, LogStore]
) -> None:
    job_id, _ = failed_job
    logs = LogSources(url_pattern=f"127.0.0.1:{binoculars[0]}")
    async with await _client(service, logs) as admin:
        page = await admin.get(f"/jobs/{job_id}")
    assert f"No logs available: cluster {CLUSTER} has none of this job." in page.text


async def test_a_poll_gets_nothing_until_the_job_has_a_new_event(
    service: ArmadaService, admin: httpx.AsyncClient
) -> None:
    await make_queue(service, "a")
    job_id, other = await submit(service, "a", "s", count=2)
    page = await admin.get(f"/jobs/{job_id}")
    poll = re.search(r'<div id="live" hx-get="([^"]+)"', page.text)
    assert poll is not None and "since=" in poll.group(1)
    url, hx = html.unescape(poll.group(1)), {"hx-request": "true"}
    assert (await admin.get(url, headers=hx)).status_code == 204
    await service.cancel_jobs(ADMIN, CancelJobs("a", "s", (other,)))  # another job's events
    assert (await admin.get(url, headers=hx)).status_code == 204
    await service.cancel_jobs(ADMIN, CancelJobs("a", "s", (job_id,)))
    fragment = await admin.get(url, headers=hx)
    assert fragment.status_code == 200 and "CANCELLED" in fragment.text
    assert fragment.text.startswith('<div id="live"') and "<html" not in fragment.text
    newer = re.search(r'<div id="live" hx-get="([^"]+)"', fragment.text)
    assert (
        newer is not None
        and (await admin.get(html.unescape(newer.group(1)), headers=hx)).status_code == 204
    )
    bad = await admin.get(f"/jobs/{job_id}", params={"since": "x" * 100}, headers=hx)
    assert bad.status_code == 400


async def test_a_binoculars_url_that_is_not_host_port_is_a_message(
    service: ArmadaService, failed_job: tuple[str, str]
) -> None:
    job_id, _ = failed_job
    async with await _client(service, LogSources(url_pattern="binoculars")) as admin:
        page = await admin.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    assert (
        "No logs available: ui.binocularsUrl must be host:port, got &#39;binoculars&#39;"
        in page.text
    )
