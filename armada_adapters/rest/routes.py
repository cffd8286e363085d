"""The REST routes, derived from the `google.api.http` annotations of the RPCs.

Nothing here is written per route: each annotated method of a served service
becomes one `RestRoute` (HTTP verb, path template, body rule, the RPC behind it),
and both the router and the swagger document are built from that list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from google.protobuf.descriptor import MethodDescriptor

from armada_adapters.wire.pool import http_rule, service_descriptor

VERBS = ("get", "put", "post", "delete", "patch")
# `{name}` or `{name=*}`: one path segment bound to a request field.
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)(?:=\*)?\}")


@dataclass(frozen=True, slots=True)
class RestRoute:
    """One gateway route: `http_method template` → the gRPC method `method_path`."""

    http_method: str
    template: str
    method_path: str
    request_type: str
    response_type: str
    server_streaming: bool
    body: str

    @property
    def path_params(self) -> tuple[str, ...]:
        """Request field names bound by the path, in template order."""
        return tuple(_PARAM.findall(self.template))

    @property
    def starlette_path(self) -> str:
        """The template in Starlette's syntax (`{name}`, one segment)."""
        return _PARAM.sub(r"{\1}", self.template)

    @property
    def takes_query(self) -> bool:
        """Whether fields come from the query string (routes without a body)."""
        return not self.body


def rest_routes(services: Iterable[str]) -> list[RestRoute]:
    """Every annotated method of `services`, in descriptor order."""
    routes = []
    for name in services:
        for method in service_descriptor(name).methods:
            route = _route(name, method)
            if route is not None:
                routes.append(route)
    return routes


def _route(service: str, method: MethodDescriptor) -> RestRoute | None:
    rule = http_rule(method)
    if rule is None:
        return None
    verb = rule.WhichOneof("pattern")
    if verb not in VERBS:
        return None  # `custom` verbs: none in Armada's API
    return RestRoute(
        http_method=verb.upper(),
        template=getattr(rule, verb),
        method_path=f"/{service}/{method.name}",
        request_type=method.input_type.full_name,
        response_type=method.output_type.full_name,
        server_streaming=method.server_streaming,
        body=str(getattr(rule, "body", "")),
    )
