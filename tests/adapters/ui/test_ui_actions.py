"""The web UI's actions: confirmation, CSRF, the API's permissions, and escaping."""

from __future__ import annotations

import re

import httpx
import pytest
from ui_support import ADMIN, csrf_of, make_queue, submit

from armada_core.jobs import JobState
from armada_core.service import ArmadaService

pytestmark = pytest.mark.anyio

MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'


async def state_of(service: ArmadaService, job_id: str) -> JobState:
    return (await service.job_status(ADMIN, [job_id]))[job_id]


async def post_form(client: httpx.AsyncClient, path: str, data: dict, **headers: str):  # type: ignore[no-untyped-def]
    await client.get("/")  # a page first: the browser gets its CSRF cookie
    return await client.post(path, data=data, headers=headers)


async def test_cancel_after_confirmation(service: ArmadaService, admin: httpx.AsyncClient) -> None:
    await make_queue(service, "a")
    [job_id] = await submit(service, "a", "s")
    confirm = await admin.get("/actions/cancel", params={"job": job_id})
    assert confirm.status_code == 200
    assert f'name="job" value="{job_id}"' in confirm.text
    assert f'name="csrf_token" value="{csrf_of(admin)}"' in confirm.text
    assert await state_of(service, job_id) == JobState.QUEUED  # the GET changed nothing
    done = await admin.post(
        "/actions/cancel", data={"job": job_id, "csrf_token": csrf_of(admin), "reason": "r"}
    )
    assert done.status_code == 200 and "done" in done.text
    assert await state_of(service, job_id) == JobState.CANCELLED


async def test_selection_spans_job_sets(service: ArmadaService, admin: httpx.AsyncClient) -> None:
    await make_queue(service, "a")
    one = await submit(service, "a", "s1", 2)
    two = await submit(service, "a", "s2", 1)
    token = (await admin.get("/"), csrf_of(admin))[1]
    done = await admin.post("/actions/cancel", data={"job": [one[0], two[0]], "csrf_token": token})
    assert done.status_code == 200 and done.text.count("done") == 2
    states = await service.job_status(ADMIN, [*one, *two])
    assert [states[j] for j in (*one, *two)] == [
        JobState.CANCELLED,
        JobState.QUEUED,
        JobState.CANCELLED,
    ]


async def test_cancel_a_whole_job_set(service: ArmadaService, admin: httpx.AsyncClient) -> None:
    await make_queue(service, "a")
    ids = await submit(service, "a", "s", 3)
    done = await post_form(
        admin, "/actions/cancel", {"queue": "a", "job_set": "s", "csrf_token": "x"}
    )
    assert done.status_code == 403  # a wrong token first
    done = await admin.post(
        "/actions/cancel", data={"queue": "a", "job_set": "s", "csrf_token": csrf_of(admin)}
    )
    assert done.status_code == 200
    assert set((await service.job_status(ADMIN, ids)).values()) == {JobState.CANCELLED}


async def test_reprioritize(service: ArmadaService, admin: httpx.AsyncClient) -> None:
    await make_queue(service, "a")
    [job_id] = await submit(service, "a", "s")
    await admin.get("/")
    done = await admin.post(
        "/actions/reprioritize",
        data={"job": job_id, "priority": "7", "csrf_token": csrf_of(admin)},
    )
    assert done.status_code == 200
    details = await service.job_details(
        ADMIN, [job_id], expand_job_spec=False, expand_job_run=False
    )
    assert details[job_id].record.priority == 7
    page = await admin.get(f"/jobs/{job_id}")
    assert '<td class="priority">7</td>' in page.text


async def test_cordon_and_uncordon(service: ArmadaService, admin: httpx.AsyncClient) -> None:
    await make_queue(service, "a")
    await admin.get("/")
    for action, cordoned in (("cordon", True), ("uncordon", False)):
        done = await admin.post(
            f"/actions/{action}", data={"queue": "a", "csrf_token": csrf_of(admin)}
        )
        assert done.status_code == 200
        assert (await service.get_queue(ADMIN, "a")).cordoned is cordoned


@pytest.mark.parametrize(
    ("action", "extra"),
    [("cancel", {}), ("reprioritize", {"priority": "1"}), ("preempt", {"reason": "r"})],
)
async def test_without_the_permission_the_api_refusal(
    service: ArmadaService, bob: httpx.AsyncClient, action: str, extra: dict
) -> None:
    await make_queue(service, "a")
    [job_id] = await submit(service, "a", "s")
    await bob.get("/")
    done = await bob.post(
        f"/actions/{action}", data={"job": job_id, "csrf_token": csrf_of(bob), **extra}
    )
    assert done.status_code == 403
    assert "refused:" in done.text and "bob" in done.text
    assert await state_of(service, job_id) == JobState.QUEUED


async def test_cordon_without_the_permission(
    service: ArmadaService, bob: httpx.AsyncClient
) -> None:
    await make_queue(service, "a")
    done = await post_form(bob, "/actions/cordon", {"queue": "a", "csrf_token": ""})
    assert done.status_code == 403  # no token
    done = await bob.post("/actions/cordon", data={"queue": "a", "csrf_token": csrf_of(bob)})
    assert done.status_code == 403 and "cordon_queue" in done.text
    assert (await service.get_queue(ADMIN, "a")).cordoned is False


# --- CSRF ----------------------------------------------------------------------------


async def test_posts_without_a_matching_token_are_refused(
    service: ArmadaService, admin: httpx.AsyncClient
) -> None:
    await make_queue(service, "a")
    [job_id] = await submit(service, "a", "s")
    await admin.get("/")
    token = csrf_of(admin)
    refusals = [
        await admin.post("/actions/cancel", data={"job": job_id}),
        await admin.post("/actions/cancel", data={"job": job_id, "csrf_token": "a" * 43}),
        await admin.post(
            "/actions/cancel",
            data={"job": job_id, "csrf_token": token},
            headers={"origin": "http://evil.test"},
        ),
        await admin.post(
            "/actions/cancel",
            content=f'{{"job": "{job_id}", "csrf_token": "{token}"}}',
            headers={"content-type": "application/json"},
        ),
    ]
    assert [r.status_code for r in refusals] == [403] * 4
    assert await state_of(service, job_id) == JobState.QUEUED
    fresh = httpx.AsyncClient(
        transport=admin._transport, base_url="http://ui.test", headers=admin.headers
    )
    async with fresh:  # a token without the cookie (another site cannot read or send it)
        refused = await fresh.post("/actions/cancel", data={"job": job_id, "csrf_token": token})
    assert refused.status_code == 403
    assert await state_of(service, job_id) == JobState.QUEUED


async def test_the_csrf_cookie_is_strict_and_http_only(admin: httpx.AsyncClient) -> None:
    page = await admin.get("/")
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    again = await admin.get("/")
    assert "set-cookie" not in again.headers  # kept while the browser has one


# --- escaping --------------------------------------------------------------------------


async def test_markup_in_user_text_renders_as_text(
    service: ArmadaService, admin: httpx.AsyncClient
) -> None:
    await make_queue(service, "a")
    job_set = "set<script>alert(1)</script>"
    [job_id] = await submit(
        service, "a", job_set, labels={"l": "<b>x</b>"}, annotations={"note": MARKUP}
    )
    pages = [
        await admin.get(f"/jobs/{job_id}"),
        await admin.get("/jobs"),
        await admin.get("/jobs", params={"group": "jobSet"}),
        await admin.get("/job-set", params={"queue": "a", "job_set": job_set}),
        await admin.get("/actions/cancel", params={"queue": "a", "job_set": job_set}),
        await admin.get("/jobs", params={"queue": MARKUP}),
        await admin.get("/jobs", params={"state": MARKUP}),
    ]
    for page in pages:
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "<b>x</b>" not in page.text
        assert re.findall(r"<script(?![^>]*\bsrc=)", page.text) == []
    assert "set&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0].text
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[0].text
    assert "&lt;b&gt;x&lt;/b&gt;" in pages[0].text


async def test_reprioritize_a_whole_job_set(
    service: ArmadaService, admin: httpx.AsyncClient
) -> None:
    await make_queue(service, "a")
    ids = await submit(service, "a", "s", 2)
    confirm = await admin.get("/actions/reprioritize", params={"queue": "a", "job_set": "s"})
    assert "every active job of job set" in confirm.text
    done = await admin.post(
        "/actions/reprioritize",
        data={"queue": "a", "job_set": "s", "priority": "4", "csrf_token": csrf_of(admin)},
    )
    assert done.status_code == 200
    details = await service.job_details(ADMIN, ids, expand_job_spec=False, expand_job_run=False)
    assert [details[j].record.priority for j in ids] == [4, 4]
