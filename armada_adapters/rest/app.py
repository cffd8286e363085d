"""`create_app`: the REST API as a Starlette application, built from its parts.

    RequestIdMiddleware                 every request: x-request-id in and out
    └── CorsMiddleware                  all but /health and the swagger paths
        └── router
            ├── /health                 204, as Armada's health endpoint
            ├── /swagger.json, /api/swagger.json, <gateway>/swagger.json
            └── <gateway>/v1/...        one route per annotated RPC
                └── ResponseMetadataMiddleware   Grpc-Metadata-<Name> response headers
                    └── DeadlineMiddleware       Grpc-Timeout → deadline, or 400
                        └── AuthenticationMiddleware → UnaryEndpoint | StreamEndpoint

The gateway's header mapping (armada-api.md §9.3) and authentication wrap each API
route, not the whole app: an unknown path is a 404 and a wrong method a 405 (plain
text) without credentials or header checks, as in Armada, where the gateway's
router answers those before it reads any header for a gRPC call. No `Mount`: its
catch-all pattern does not match a path with a newline, which Go's router routes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, request_response
from starlette.types import ASGIApp, Receive, Scope, Send

from armada_adapters.observability.record import RequestObserver, is_watch
from armada_adapters.rest.auth import AuthenticationMiddleware
from armada_adapters.rest.cors import CorsMiddleware
from armada_adapters.rest.deadline import DeadlineMiddleware
from armada_adapters.rest.endpoints import StreamEndpoint, UnaryEndpoint
from armada_adapters.rest.errors import JSON, dumps
from armada_adapters.rest.observe import ObservedRoute
from armada_adapters.rest.request_id import RequestIdMiddleware
from armada_adapters.rest.response_metadata import ResponseMetadataMiddleware
from armada_adapters.rest.routes import RestRoute, rest_routes
from armada_adapters.rest.settings import RestSettings
from armada_adapters.rest.swagger import swagger_document
from armada_adapters.wire.jsoncodec import prepare
from armada_adapters.wire.operations import OPERATIONS, SERVICES, Operation
from armada_adapters.wire.pool import message_class
from armada_adapters.wire.shutdown import CallTracker
from armada_auth import Authenticator
from armada_core.service import ArmadaService

if TYPE_CHECKING:  # the UI (and jinja2) is imported only when it is served
    from armada_adapters.ui.logs import LogSources

SWAGGER_PATHS = ("/swagger.json", "/api/swagger.json")


def create_app(
    service: ArmadaService,
    authenticator: Authenticator | None,
    *,
    settings: RestSettings | None = None,
    operations: Mapping[str, Operation] = OPERATIONS,
    calls: CallTracker | None = None,
    observer: RequestObserver | None = None,
    ui: bool = False,
    ui_logs: LogSources | None = None,
) -> Starlette:
    """The REST API for `service`; mount it in any ASGI app or serve it as it is.

    Without an authenticator every caller is `anonymous`. `calls.drain()` refuses
    new calls and ends every stream (share one tracker with the gRPC adapter).
    Requests of the API routes and `/health` are reported to `observer` (access log,
    metrics), if given. With `ui`, the web UI (`armada_adapters.ui`, needs jinja2) is
    served at `/` and `/lookout` too, behind the same authenticator; `ui_logs` says
    where its job page reads logs from.
    """
    settings = settings or RestSettings()
    routes = rest_routes(SERVICES)
    # Compile every codec now, so no request pays for it (tens of ms the first time).
    prepare(*(message_class(t) for r in routes for t in (r.request_type, r.response_type)))
    swagger = _swagger_routes(swagger_document(routes, settings.prefix or "/"), settings)
    calls = calls or CallTracker()
    api = _api_routes(routes, service, authenticator, operations, settings, calls, observer)
    app = Starlette(
        routes=[_health_route(observer), *swagger, *api, *_ui(ui, service, authenticator, ui_logs)],
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(
                CorsMiddleware,
                allowed_origins=settings.cors_allowed_origins,
                exempt_paths=("/health", *(r.path for r in swagger)),
            ),
        ],
    )
    app.router.redirect_slashes = False  # Go's mux answers 404, not a redirect
    return app


def _api_routes(
    routes: list[RestRoute],
    service: ArmadaService,
    authenticator: Authenticator | None,
    operations: Mapping[str, Operation],
    settings: RestSettings,
    calls: CallTracker,
    observer: RequestObserver | None = None,
) -> list[Route]:
    """One Starlette route per path, whatever its verbs: a 405's `Allow` lists them all
    (with a route per verb, Starlette answers from the first and lists only its own)."""
    by_path: dict[str, dict[str, ASGIApp]] = {}
    for route in routes:
        path = settings.prefix + route.starlette_path
        app = _api_app(route, service, authenticator, operations, settings, calls)
        if observer is not None:
            streaming, watch = route.server_streaming, is_watch(route.method_path)
            app = ObservedRoute(app, observer, path, streaming=streaming, watch=watch)
        by_path.setdefault(path, {})[route.http_method] = app
    return [Route(path, _ByMethod(apps), methods=list(apps)) for path, apps in by_path.items()]


class _ByMethod:
    """The app of the request's verb; the route has refused other verbs (405) already.

    A class, not a function: Starlette calls a function endpoint with a `Request`.
    """

    def __init__(self, apps: dict[str, ASGIApp]) -> None:
        self._apps = apps

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        # Not among the verbs: HEAD, which Starlette allows wherever GET is.
        await self._apps[method if method in self._apps else "GET"](scope, receive, send)


def _api_app(
    route: RestRoute,
    service: ArmadaService,
    authenticator: Authenticator | None,
    operations: Mapping[str, Operation],
    settings: RestSettings,
    calls: CallTracker,
) -> ASGIApp:
    endpoint_type = StreamEndpoint if route.server_streaming else UnaryEndpoint
    operation = operations[route.method_path]
    app: ASGIApp = endpoint_type(route, operation, service, calls, settings.max_message_bytes)
    if authenticator is not None:
        app = AuthenticationMiddleware(app, authenticator, exempt_paths=())
    # Outside authentication: the gateway reads Grpc-Timeout before the gRPC call,
    # and a refusal of either kind still carries the response metadata headers.
    return ResponseMetadataMiddleware(DeadlineMiddleware(app))


def _ui(
    ui: bool,
    service: ArmadaService,
    authenticator: Authenticator | None,
    logs: LogSources | None,
) -> list[BaseRoute]:
    if not ui:
        return []
    from armada_adapters.ui import create_ui, ui_routes  # jinja2 only when asked for

    return ui_routes(create_ui(service, authenticator, logs))


async def _health(request: Request) -> Response:
    return Response(status_code=204)


def _health_route(observer: RequestObserver | None) -> Route:
    if observer is None:
        return Route("/health", _health, methods=["GET"])
    app = ObservedRoute(request_response(_health), observer, "/health", health=True)
    return Route("/health", app, methods=["GET"])


def _swagger_routes(document: dict[str, Any], settings: RestSettings) -> list[Route]:
    body = dumps(document)

    async def swagger(request: Request) -> Response:
        return Response(body, media_type=JSON)

    paths = dict.fromkeys((*SWAGGER_PATHS, f"{settings.prefix}/swagger.json"))
    return [Route(path, swagger, methods=["GET"]) for path in paths]
