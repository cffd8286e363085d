"""The web UI in a real browser (Chromium through Playwright) against the real server.

Each test leaves a screenshot of the view it checked in the artifacts folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_support import LIVE_TIMEOUT_MS, shot, submit

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def jobs(api: httpx.Client) -> dict[str, list[str]]:
    for name in ("analytics", "training"):
        api.post("/v1/queue", json={"name": name, "priorityFactor": 2}).raise_for_status()
    made = {
        "train": submit(api, "training", "resnet-sweep", 4, labels={"team": "vision"}),
        "etl": submit(api, "analytics", "nightly-etl", 3, annotations={"owner": "data"}),
    }
    cancel = {"queue": "analytics", "jobSetId": "nightly-etl", "jobId": made["etl"][0]}
    api.post("/v1/job/cancel", json=cancel).raise_for_status()
    return made


def test_overview(page: Any, jobs: dict[str, list[str]], artifacts: Path) -> None:
    page.goto("/")
    row = page.locator('tr[data-queue="analytics"]')
    assert row.locator("td").nth(3).inner_text() == "3"
    assert "CANCELLED 1" in row.inner_text() and "QUEUED 2" in row.inner_text()
    shot(page, artifacts, "overview")


def test_filter_jobs_and_group_by_state(
    page: Any, jobs: dict[str, list[str]], artifacts: Path
) -> None:
    page.goto("/jobs")
    page.fill('input[name="queue"]', "training")
    page.click('button:has-text("Apply")')
    page.wait_for_url(re.compile(r"queue=training"))
    ids = page.locator("tr[data-job-id]").evaluate_all("rows => rows.map(r => r.dataset.jobId)")
    assert ids == jobs["train"][::-1]
    shot(page, artifacts, "jobs-filtered")
    page.goto("/jobs")
    page.select_option('select[name="group"]', "state")
    page.click('button:has-text("Apply")')
    page.wait_for_url(re.compile(r"group=state"))
    assert page.locator('tr[data-group="QUEUED"] .count-total').inner_text() == "6"
    assert page.locator('tr[data-group="CANCELLED"] .count-total').inner_text() == "1"
    shot(page, artifacts, "jobs-grouped-by-state")


def test_job_view_shows_its_events(page: Any, jobs: dict[str, list[str]], artifacts: Path) -> None:
    page.goto("/jobs?queue=analytics&job_set=nightly-etl")
    page.click(f'a:has-text("{jobs["etl"][0]}")')
    page.wait_for_url(re.compile(jobs["etl"][0]))
    kinds = page.locator("table.events tbody tr td:nth-child(2)").all_inner_texts()
    assert kinds == ["submitted", "queued", "cancelling", "cancelled"]
    assert "owner: data" in page.locator("pre.yaml").inner_text()
    shot(page, artifacts, "job")


def test_job_set_view(page: Any, jobs: dict[str, list[str]], artifacts: Path) -> None:
    page.goto("/job-set?queue=training&job_set=resnet-sweep")
    assert page.locator('tr[data-group="QUEUED"] .count-total').inner_text() == "4"
    shot(page, artifacts, "job-set")


def test_cancel_turns_cancelled_live(
    browser: Any, page: Any, jobs: dict[str, list[str]], artifacts: Path
) -> None:
    job_id = jobs["train"][0]
    page.goto(f"/jobs/{job_id}")
    status = page.locator("p.status .state")
    assert status.inner_text() == "QUEUED"
    other = page.context.new_page()  # the same user, in a second tab
    other.goto(f"/jobs/{job_id}")
    other.click('a.action:has-text("Cancel")')
    other.fill('input[name="reason"]', "not needed")
    shot(other, artifacts, "confirm-cancel")
    other.click('button.primary:has-text("Cancel")')
    assert other.locator(".success").inner_text() == "done"
    # The first tab was not reloaded: its poll brings the new state.
    status.filter(has_text="CANCELLED").wait_for(timeout=LIVE_TIMEOUT_MS)
    assert page.locator("table.events").inner_text().count("cancelled") == 1
    shot(page, artifacts, "job-cancelled-live")


def test_reprioritize(page: Any, jobs: dict[str, list[str]], artifacts: Path) -> None:
    job_id = jobs["train"][1]
    page.goto(f"/jobs/{job_id}")
    page.click('a.action:has-text("Reprioritize")')
    page.fill('input[name="priority"]', "9")
    page.click('button.primary:has-text("Reprioritize")')
    assert page.locator(".success").inner_text() == "done"
    page.goto(f"/jobs/{job_id}")
    assert page.locator("td.priority").inner_text() == "9"
    shot(page, artifacts, "job-reprioritized")


def test_cancel_a_selection_from_the_table(page: Any, jobs: dict[str, list[str]]) -> None:
    page.goto("/jobs?queue=analytics&state=QUEUED")
    for job_id in jobs["etl"][1:]:
        page.check(f'input[value="{job_id}"]')
    page.click('button:has-text("Cancel selected")')
    assert page.locator("ul.targets li").count() == 2
    page.click('button.primary:has-text("Cancel")')
    assert page.locator(".success").count() == 1  # one (queue, job set): one command
    page.goto("/jobs?queue=analytics&state=QUEUED")
    assert page.locator("tr[data-job-id]").count() == 0


def test_an_action_without_the_permission_is_refused(
    browser: Any, base_url: str, jobs: dict[str, list[str]], artifacts: Path
) -> None:
    context = browser.new_context(
        base_url=base_url, http_credentials={"username": "bob", "password": "bob-pw"}
    )
    page = context.new_page()
    job_id = jobs["train"][2]
    page.goto(f"/jobs/{job_id}")
    page.click('a.action:has-text("Cancel")')
    page.click('button.primary:has-text("Cancel")')
    refusal = page.locator(".error").inner_text()
    assert "refused" in refusal and "bob" in refusal
    shot(page, artifacts, "refused")
    page.goto(f"/jobs/{job_id}")
    assert page.locator("p.status .state").inner_text() == "QUEUED"
    context.close()


def test_without_credentials_the_browser_is_asked(browser: Any, base_url: str) -> None:
    context = browser.new_context(base_url=base_url)
    # Headless, the prompt cannot be answered: the navigation fails on the challenge.
    with pytest.raises(Exception, match="ERR_INVALID_AUTH_CREDENTIALS"):
        context.new_page().goto("/")
    response = context.request.get("/")
    assert response.status == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    context.close()
