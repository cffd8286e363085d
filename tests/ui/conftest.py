"""Fixtures of the browser tests: the reference server in a subprocess (SQLite file,
Basic authentication) and Debian's Chromium driven by Playwright.

Nothing is downloaded: Playwright is pointed at `/usr/bin/chromium` (or
`ARMADA_TEST_CHROMIUM`); without it, or without the `playwright` package, the tests
skip with the reason. Screenshots go to `tests/ui/artifacts/` (git-ignored), or to
`ARMADA_TEST_ARTIFACTS` when set.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adapters" / "ui"))

from e2e_support import ServerProcess

CHROMIUM = os.environ.get("ARMADA_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("ARMADA_TEST_ARTIFACTS", Path(__file__).parent / "artifacts"))
USERS = {
    "admin": {"password": "admin-pw", "groups": ["admins"]},
    "bob": {"password": "bob-pw", "groups": []},
}
PERMISSIONS = [
    "submit_any_jobs",
    "cancel_any_jobs",
    "preempt_any_jobs",
    "reprioritize_any_jobs",
    "watch_all_events",
    "create_queue",
    "delete_queue",
    "cordon_queue",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def server_config(cwd: Path) -> dict[str, Any]:
    return {
        "storage": {"backend": "sqlite", "sqlite": {"path": str(cwd / "armada.db")}},
        "auth": {
            "basicAuth": {"users": USERS},
            "permissionGroupMapping": {p: ["admins"] for p in PERMISSIONS},
        },
    }


def executing_config(cwd: Path) -> dict[str, Any]:
    """With the local executor in the server, signed in as a user who may execute jobs."""
    config = server_config(cwd)
    users = {**USERS, "executor": {"password": "executor-pw", "groups": ["executors"]}}
    config["auth"]["basicAuth"]["users"] = users
    config["auth"]["permissionGroupMapping"]["execute_jobs"] = ["executors"]
    config["scheduler"] = {"schedulePeriod": "100ms", "cyclePeriod": "200ms"}
    config["localExecutor"] = {
        "enabled": True,
        "executorApiConnection": {"basicAuth": {"username": "executor", "password": "executor-pw"}},
        "local": {"workDir": str(cwd / "executor"), "capacity": {"cpu": "2", "memory": "2Gi"}},
    }
    for path in (cwd, *cwd.parents):  # the jobs' account (nobody) must reach its run dir
        if path.stat().st_mode & 0o001 == 0 and str(path).startswith("/tmp/"):
            path.chmod(path.stat().st_mode | 0o001)
    return config


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ServerProcess]:
    """The server; a test module with `EXECUTES = True` gets the local executor in it."""
    cwd: Path = tmp_path_factory.mktemp("ui-server")
    executes = getattr(request.module, "EXECUTES", False)
    config = executing_config(cwd) if executes else server_config(cwd)
    process = ServerProcess(cwd, config, {}).wait_ready()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def base_url(server: ServerProcess) -> str:
    return f"http://127.0.0.1:{server.http_port}"


@pytest.fixture(scope="module")
def api(base_url: str) -> Iterator[httpx.Client]:
    """The REST API as the admin, to set up queues and jobs."""
    with httpx.Client(base_url=base_url, auth=("admin", "admin-pw"), timeout=10) as client:
        yield client


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def page(browser: Any, base_url: str) -> Any:
    context = browser.new_context(
        base_url=base_url,
        http_credentials={"username": "admin", "password": "admin-pw"},
        viewport={"width": 1280, "height": 800},
    )
    yield context.new_page()
    context.close()
