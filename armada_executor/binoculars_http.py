"""Binoculars `Logs` over HTTP: the route binoculars.proto's `google.api.http` annotation
gives it (`POST /v1/binoculars/log`, body `*`), as Armada's Binoculars serves it through
grpc-gateway on its own HTTP port.

The executor serves it on `local.binocularsHttpPort`, beside its gRPC listener: logs
live where the executor runs, as Binoculars lives in each cluster, so the server and
its CLI and UI are not involved. Body, reply and failures are the REST adapter's
(Go-JSON `LogRequest` in, `LogResponse` out, the gateway's error body and status).
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from armada_adapters.rest.body import read_body
from armada_adapters.rest.decoding import parse_body
from armada_adapters.rest.errors import JSON, dumps, failure, unary_error
from armada_adapters.rest.routes import RestRoute, rest_routes
from armada_adapters.wire.errors import StatusCode
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_executor.binoculars import answer, not_found
from armada_executor.logs import LogStore
from armada_executor.messages import BINOCULARS_LOGS, LogRequest

MAX_BODY_BYTES = 64 * 1024  # a LogRequest is a job id and a few options


def logs_route() -> RestRoute:
    """The annotated route of `Binoculars.Logs`."""
    [route] = [
        r for r in rest_routes(["binoculars.Binoculars"]) if r.method_path == BINOCULARS_LOGS
    ]
    return route


def binoculars_app(store: LogStore) -> Starlette:
    """An ASGI app with the one Logs route."""
    route = logs_route()

    async def logs(request: Request) -> Response:
        return await _logs(store, route.template, request)

    return Starlette(routes=[Route(route.starlette_path, logs, methods=[route.http_method])])


async def _logs(store: LogStore, where: str, request: Request) -> Response:
    try:
        message: Any = from_json(parse_body(await read_body(request, MAX_BODY_BYTES)), LogRequest)
        reply = await answer(store, message)
    except Exception as exc:  # the boundary: every failure is an error body
        return unary_error(*failure(exc, where))
    if reply is None:
        return unary_error(StatusCode.NOT_FOUND, not_found(message))
    return Response(dumps(to_json(reply)), media_type=JSON)
