"""Templates: one Jinja2 environment with autoescaping on for every template.

All user-supplied text (names, labels, annotations, reasons, specs) reaches the page
through `{{ }}` and is escaped; no template marks anything `safe`.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from armada_adapters.rest.endpoints import principal_of
from armada_core.jobs import ACTIVE_STATES, JobState
from armada_core.principal import Principal

NS = 1_000_000_000


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("armada_adapters.ui", "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(ts=timestamp, ago=ago)
    env.globals.update(ACTIVE=ACTIVE_STATES, STATES=JobState)
    return env


def timestamp(ns: int) -> str:
    """UTC, to the second: `2026-08-21 13:13:07Z`."""
    if not ns:
        return ""
    return datetime.fromtimestamp(ns / NS, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def ago(ns: int) -> str:
    """How long ago, in the largest whole unit: `42s`, `5m`, `3h`, `2d`."""
    seconds = max(0, int(time.time() - ns / NS))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """The template as a page (or as the fragment an htmx poll asked for)."""
    env: jinja2.Environment = request.app.state.templates
    body = env.get_template(template).render(
        request=request,
        base=request.scope.get("root_path", "").rstrip("/"),
        csrf=request.scope.get("state", {}).get("csrf", ""),
        user=principal(request).name,
        fragment=is_poll(request),
        **context,
    )
    return HTMLResponse(body, status_code=status, headers={"vary": "HX-Request"})


def principal(request: Request) -> Principal:
    return principal_of(request.scope)


def is_poll(request: Request) -> bool:
    """An htmx request for the live part of the page only."""
    return request.headers.get("hx-request") == "true"
