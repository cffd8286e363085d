"""A job that really fails, in a real browser: the server runs it (its local executor),
the job page turns FAILED by itself, then shows the run, the reason and the log.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from browser_support import shot, submit

pytestmark = pytest.mark.e2e
EXECUTES = True  # this module's server runs jobs (see conftest.server)
RUN_TIMEOUT_MS = 60_000  # lease, start, exit and report on a busy shared machine
# ARMADA_UI_DOCS_IMAGES=1 makes this test refresh the README's image of a failed job.
DOCS_IMAGE = Path(__file__).resolve().parents[2] / "docs" / "images" / "ui-job-failed.png"
SCRIPT = "echo starting the sweep; echo '<b>not bold</b><script>alert(1)</script>'; exit 3"


def failing_pod() -> dict[str, Any]:
    amounts = {"cpu": "100m", "memory": "64Mi"}
    container = {
        "name": "main",
        "image": "alpine",
        "command": ["sh", "-c", SCRIPT],
        "resources": {"requests": amounts, "limits": amounts},
    }
    return {"containers": [container], "restartPolicy": "Never"}


@pytest.fixture(scope="module")
def failing_job(api: httpx.Client) -> str:
    api.post("/v1/queue", json={"name": "sweeps", "priorityFactor": 1}).raise_for_status()
    [job_id] = submit(api, "sweeps", "lr-sweep", 1, pod=failing_pod())
    return job_id


def test_a_failed_job_shows_its_run_reason_and_logs(
    page: Any, failing_job: str, artifacts: Path
) -> None:
    page.goto(f"/jobs/{failing_job}")
    # No reload: the page's own poll brings the end state.
    page.locator("p.status .state").filter(has_text="FAILED").wait_for(timeout=RUN_TIMEOUT_MS)
    page.goto(f"/jobs/{failing_job}")  # the log is read once per page load
    run = page.locator("table.runs tbody tr")
    assert run.count() == 1
    cells = run.locator("td").all_inner_texts()
    assert cells[1] == "local" and cells[3] == "default" and cells[4] == "FAILED"
    assert cells[9] == "3"
    assert page.locator("table.failure td.exit-code").inner_text() == "3"
    reason = page.locator("table.failure pre.job-error").inner_text()
    assert "main" in reason and "3" in reason
    log = page.locator("pre.log").inner_text()
    assert "starting the sweep" in log
    assert "<b>not bold</b><script>alert(1)</script>" in log  # shown as text, not markup
    assert page.locator("pre.log b").count() == 0 and page.locator("pre.log script").count() == 0
    assert re.search(
        r"from the local executor \(local\)", page.locator("p.log-source").inner_text()
    )
    shot(page, artifacts, "job-failed")
    if os.environ.get("ARMADA_UI_DOCS_IMAGES"):  # refresh the README's screenshot
        docs_image(page, DOCS_IMAGE)


def docs_image(page: Any, path: Path) -> None:
    """The failure, runs, events and logs of the page (not its long YAML)."""
    top = page.locator("h2", has_text="Result").bounding_box()
    bottom = page.locator("#logs").bounding_box()
    height = bottom["y"] + bottom["height"] - top["y"] + 24
    clip = {"x": 0, "y": top["y"] - 12, "width": 1280, "height": height}
    page.screenshot(path=str(path), full_page=True, clip=clip)
