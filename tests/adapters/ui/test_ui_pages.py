"""The web UI's read-only pages: queues, the jobs table (filters, groups, keyset pages),
a job, a job set; headers, authentication and the `/lookout` alias."""

from __future__ import annotations

import re

import httpx
import pytest
from ui_support import ADMIN, client_as, make_queue, next_link, row_ids, submit

from armada_adapters.rest import create_app
from armada_core.commands import CancelJobs
from armada_core.service import ArmadaService

pytestmark = pytest.mark.anyio


async def test_overview_lists_queues_with_counts_per_state(
    service: ArmadaService, admin: httpx.AsyncClient
) -> None:
    await make_queue(service, "alpha")
    await make_queue(service, "beta")
    ids = await submit(service, "alpha", "s", 3)
    await service.cancel_jobs(ADMIN, CancelJobs("alpha", "s", (ids[0],)))
    await service.cordon_queue(ADMIN, "beta")
    page = await admin.get("/")
    assert page.status_code == 200
    alpha = page.text.split('data-queue="alpha"')[1].split("</tr>")[0]
    assert "2.0" in alpha and ">3<" in alpha
    assert "QUEUED 2" in alpha and "CANCELLED 1" in alpha
    beta = page.text.split('data-queue="beta"')[1].split("</tr>")[0]
    assert "<td>yes</td>" in beta and "Uncordon" in beta


async def test_security_headers_on_every_page(admin: httpx.AsyncClient) -> None:
    for path in ("/", "/jobs", "/static/ui.css", "/jobs/nope"):
        response = await admin.get(path)
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-frame-options"] == "DENY"


async def test_templates_have_no_inline_script_or_style(admin: httpx.AsyncClient) -> None:
    page = await admin.get("/jobs")
    assert re.findall(r"<script(?![^>]*\bsrc=)", page.text) == []
    assert "<style" not in page.text and " style=" not in page.text
    assert re.search(r"\son[a-z]+=", page.text) is None


async def test_filter_by_queue_and_state(service: ArmadaService, admin: httpx.AsyncClient) -> None:
    await make_queue(service, "a")
    await make_queue(service, "b")
    a_ids = await submit(service, "a", "s", 3)
    await submit(service, "b", "s", 2)
    await service.cancel_jobs(ADMIN, CancelJobs("a", "s", (a_ids[1],)))
    page = await admin.get("/jobs", params={"queue": "a", "state": "QUEUED"})
    assert row_ids(page) == [a_ids[2], a_ids[0]]
    page = await admin.get("/jobs", params={"queue": "a", "state": ["QUEUED", "CANCELLED"]})
    assert row_ids(page) == a_ids[::-1]


async def test_group_by_state_counts(service: ArmadaService, admin: httpx.AsyncClient) -> None:
    await make_queue(service, "a")
    ids = await submit(service, "a", "s", 4)
    await service.cancel_jobs(ADMIN, CancelJobs("a", "s", tuple(ids[:1])))
    page = await admin.get("/jobs", params={"group": "state"})
    groups = re.findall(r'data-group="(\w+)">.*?class="count-total">(\d+)<', page.text, re.S)
    assert groups == [("QUEUED", "3"), ("CANCELLED", "1")]


async def test_keyset_pages_cover_every_job_once(
    service: ArmadaService, admin: httpx.AsyncClient
) -> None:
    await make_queue(service, "a")
    ids = await submit(service, "a", "s", 60)
    seen: list[str] = []
    url: str | None = "/jobs?queue=a&ps=25"
    while url is not None:
        page = await admin.get(url)
        assert page.status_code == 200
        seen += row_ids(page)
        url = next_link(page)
    assert seen == ids[::-1]


async def test_bad_parameters_are_400_with_the_reason(admin: httpx.AsyncClient) -> None:
    for params, reason in (
        ({"state": "NOPE"}, "unknown state"),
        ({"after": "!!!"}, "not a page position"),
        ({"ps": "7"}, "ps must be one of"),
        ({"submitted_from": "yesterday"}, "submitted_from"),
        ({"label": "novalue"}, "key=value"),
    ):
        page = await admin.get("/jobs", params=params)
        assert page.status_code == 400, params
        assert reason in page.text


async def test_job_view_shows_details_events_and_spec(
    service: ArmadaService, admin: httpx.AsyncClient
) -> None:
    await make_queue(service, "a")
    [job_id] = await submit(service, "a", "s", labels={"team": "ml"})
    await service.cancel_jobs(ADMIN, CancelJobs("a", "s", (job_id,), reason="no longer needed"))
    page = await admin.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    kinds = re.findall(r'<tr class="event-(\w+)">', page.text)
    assert kinds == ["submitted", "queued", "cancelling", "cancelled"]
    assert "no longer needed" in page.text and "Cancelled by admin." in page.text
    assert "jobSetId: s" in page.text and "image: busybox" in page.text
    assert "This job did not run." in page.text
    assert "No logs available: this job has not run." in page.text


async def test_unknown_job_is_404(admin: httpx.AsyncClient) -> None:
    page = await admin.get("/jobs/01nope")
    assert page.status_code == 404 and "not found" in page.text


async def test_job_set_view(service: ArmadaService, admin: httpx.AsyncClient) -> None:
    await make_queue(service, "a")
    ids = await submit(service, "a", "set-1", 2)
    await submit(service, "a", "set-2", 1)
    page = await admin.get("/job-set", params={"queue": "a", "job_set": "set-1"})
    assert page.status_code == 200
    assert row_ids(page) == ids[::-1]
    assert re.findall(r'data-group="(\w+)"', page.text) == ["QUEUED"]


async def test_a_poll_gets_only_the_live_fragment(
    service: ArmadaService, admin: httpx.AsyncClient
) -> None:
    await make_queue(service, "a")
    [job_id] = await submit(service, "a", "s")
    page = await admin.get(f"/jobs/{job_id}", headers={"hx-request": "true"})
    assert "<html" not in page.text and "event-submitted" in page.text


async def test_credentials_are_required_and_basic_is_offered(app) -> None:  # type: ignore[no-untyped-def]
    async with client_as(app, None) as anonymous:
        page = await anonymous.get("/jobs")
    assert page.status_code == 401
    assert page.headers["www-authenticate"].startswith("Basic")


async def test_lookout_alias_serves_the_same_ui_with_its_own_links(
    service: ArmadaService, admin: httpx.AsyncClient
) -> None:
    await make_queue(service, "a")
    redirect = await admin.get("/lookout")
    assert (redirect.status_code, redirect.headers["location"]) == (308, "/lookout/")
    page = await admin.get("/lookout/")
    assert page.status_code == 200
    assert 'href="/lookout/jobs?queue=a"' in page.text
    assert 'src="/lookout/static/htmx-2.0.4.min.js"' in page.text
    assert (await admin.get("/lookout/static/htmx-2.0.4.min.js")).status_code == 200


async def test_the_ui_is_off_unless_asked_for(service: ArmadaService) -> None:
    app = create_app(service, None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        assert (await c.get("/")).status_code == 404
        assert (await c.get("/lookout/jobs")).status_code == 404
