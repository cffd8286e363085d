"""`create_ui`: the web UI as an ASGI app, and the routes that serve it at `/` and `/lookout`.

    SecurityMiddleware          security headers; the CSRF cookie
    └── AuthenticationMiddleware   the API's chain (Basic prompts the browser: 401 +
        │                          WWW-Authenticate); absent: everyone is anonymous
        └── router
            ├── GET  /                       queues
            ├── GET  /jobs                   the jobs table (filters, order, pages, groups)
            ├── GET  /jobs/{job_id}          one job
            ├── GET  /job-set                one job set (?queue=&job_set=)
            ├── GET  /actions/{action}       confirmation page
            ├── POST /actions/{action}       the action (CSRF-checked)
            └── GET  /static/...             CSS, htmx (vendored), the UI's script

Live updates are htmx polls of the page's own URL every few seconds; the job page's
asks for events after the newest one it shows and gets 204 while there is none (see
docs/ui.md for why polling rather than server-sent events from the event stream).
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from armada_adapters.rest.auth import AuthenticationMiddleware
from armada_adapters.ui import actions, pages
from armada_adapters.ui.logs import LogSources
from armada_adapters.ui.render import environment, render
from armada_adapters.ui.security import SecurityMiddleware
from armada_adapters.wire.errors import bounded_message, code_for, http_status
from armada_auth import Authenticator
from armada_core.errors import ArmadaError
from armada_core.service import ArmadaService

STATIC = Path(__file__).parent / "static"
# The UI's own paths; `ui_routes` serves each at the root beside the API.
PATHS = ("/", "/jobs", "/jobs/{job_id}", "/job-set", "/actions/{action}", "/static/{path:path}")
ALIAS = "/lookout"


def create_ui(
    service: ArmadaService, authenticator: Authenticator | None, logs: LogSources | None = None
) -> Starlette:
    """The web UI for `service`; mount it anywhere (its links follow `root_path`).

    `logs` says where the job page reads logs from (none: "no logs available").
    """
    app = Starlette(
        routes=[
            Route("/", pages.overview, methods=["GET"]),
            Route("/jobs", pages.jobs, methods=["GET"]),
            Route("/jobs/{job_id}", pages.job, methods=["GET"]),
            Route("/job-set", pages.job_set, methods=["GET"]),
            Route("/actions/{action}", actions.confirm, methods=["GET"]),
            Route("/actions/{action}", actions.perform, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=_middleware(authenticator),
        exception_handlers={ArmadaError: _armada_error, HTTPException: _http_error},
    )
    app.state.service = service
    app.state.logs = logs or LogSources()
    app.state.templates = environment()
    return app


def ui_routes(ui: ASGIApp) -> list[BaseRoute]:
    """Routes for an app that also serves the API: the UI's paths at `/`, all of `/lookout`."""
    alias = Route(ALIAS, RedirectResponse(f"{ALIAS}/", status_code=308), methods=["GET"])
    return [*(Route(path, ui, methods=["GET", "POST"]) for path in PATHS), alias, Mount(ALIAS, ui)]


def _middleware(authenticator: Authenticator | None) -> list[Middleware]:
    stack = [Middleware(SecurityMiddleware)]
    if authenticator is not None:
        stack.append(
            Middleware(AuthenticationMiddleware, authenticator=authenticator, exempt_paths=())
        )
    return stack


async def _armada_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ArmadaError)
    status = http_status(code_for(exc))
    return render(request, "error.html", status=status, message=bounded_message(exc.message))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return render(request, "error.html", status=exc.status_code, message=str(exc.detail))
