"""The Swagger 2.0 document of the REST API, generated from the routes and messages.

Paths come from the `google.api.http` annotations (`routes.py`), bodies and answers
from the message definitions (`schema.py`). A server stream is documented by the
object on each line of its chunked answer: `{"result": <message>}`, or
`{"error": {...}}` for a failure after the first line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from armada_adapters.rest.routes import RestRoute
from armada_adapters.rest.schema import Definitions, Schema, ref
from armada_adapters.wire.pool import message_class

TITLE = "Armada API (armada-py)"
ERROR = "gateway.Error"
STREAM_ERROR = "gateway.StreamError"
STREAM_ERROR_BODY = "gateway.StreamErrorBody"

_ERRORS: dict[str, Schema] = {
    ERROR: {
        "type": "object",
        "description": "The body of every failed unary call.",
        "properties": {
            "error": {"type": "string"},
            "code": {"type": "integer", "format": "int32", "description": "gRPC status code"},
            "message": {"type": "string"},
            "details": {"type": "array", "items": {"type": "object"}},
        },
    },
    STREAM_ERROR: {
        "type": "object",
        "properties": {
            "grpc_code": {"type": "integer", "format": "int32"},
            "http_code": {"type": "integer", "format": "int32"},
            "message": {"type": "string"},
            "http_status": {"type": "string"},
            "details": {"type": "array", "items": {"type": "object"}},
        },
    },
    STREAM_ERROR_BODY: {
        "type": "object",
        "description": "The body of a stream that failed before its first line.",
        "properties": {"error": ref(STREAM_ERROR)},
    },
}


def swagger_document(routes: Iterable[RestRoute], base_path: str = "/") -> dict[str, Any]:
    """The whole document for `routes`, served under `base_path`."""
    definitions = Definitions()
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.template, {})[route.http_method.lower()] = _operation(
            route, definitions
        )
    return {
        "swagger": "2.0",
        "info": {"title": TITLE, "version": "1.0"},
        "basePath": base_path,
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": paths,
        "definitions": {**dict(sorted(definitions.schemas.items())), **_ERRORS},
    }


def _operation(route: RestRoute, definitions: Definitions) -> dict[str, Any]:
    service, method = route.method_path.strip("/").split("/")
    request = _descriptor(route.request_type)
    operation = {
        "operationId": f"{service.removeprefix('api.')}_{method}",
        "tags": [service],
        "parameters": _parameters(route, request, definitions),
        "responses": _responses(route, definitions),
    }
    if route.path_params:
        # A path parameter holding "/" (or nothing) matches no route: the router's
        # plain-text 404, as Go's mux answers it.
        operation["produces"] = ["application/json", "text/plain"]
    return operation


def _descriptor(full_name: str) -> Descriptor:
    return cast(Descriptor, message_class(full_name).DESCRIPTOR)


def _parameters(
    route: RestRoute, request: Descriptor, definitions: Definitions
) -> list[dict[str, Any]]:
    bound = route.path_params
    params = [_path_parameter(request.fields_by_name[name]) for name in bound]
    if route.body:
        params.append(
            {
                "name": "body",
                "in": "body",
                "required": False,
                "schema": definitions.message(request),
            }
        )
        return params
    return params + _query_parameters(request, bound, definitions, "", {request.full_name})


def _query_parameters(
    message: Descriptor, bound: Iterable[str], definitions: Definitions, prefix: str, seen: set[str]
) -> list[dict[str, Any]]:
    """A query parameter per scalar field; a message field's own fields as `a.b` (the
    query decoder walks them), each message type once so a cycle ends."""
    params = []
    for field in message.fields:
        if field.name in bound:
            continue
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            params.append(_query_parameter(field, definitions, prefix))
            continue
        inner = field.message_type
        if inner is not None and not field.is_repeated and inner.full_name not in seen:
            nested = prefix + field.json_name + "."
            params += _query_parameters(inner, (), definitions, nested, seen | {inner.full_name})
    return params


def _path_parameter(field: FieldDescriptor) -> dict[str, Any]:
    # One path segment: any text without "/".
    return {
        "name": field.name,
        "in": "path",
        "required": True,
        "type": "string",
        "pattern": "^[^/]+$",
    }


def _query_parameter(
    field: FieldDescriptor, definitions: Definitions, prefix: str = ""
) -> dict[str, Any]:
    schema = definitions.field(field)
    param: dict[str, Any] = {"name": prefix + field.json_name, "in": "query", "required": False}
    if schema.get("type") == "array":
        param.update(type="array", items=schema["items"], collectionFormat="multi")
    else:
        param.update(schema)
    return param


def _responses(route: RestRoute, definitions: Definitions) -> dict[str, Any]:
    answer = definitions.message(_descriptor(route.response_type))
    if not route.server_streaming:
        return {
            "200": {"description": "A successful response.", "schema": answer},
            "default": {"description": "An error.", "schema": ref(ERROR)},
        }
    line = {
        "type": "object",
        "title": f"Stream result of {route.response_type}",
        "description": "One line of the chunked answer (newline-delimited JSON).",
        "properties": {"result": answer, "error": ref(STREAM_ERROR)},
    }
    return {
        "200": {"description": "A stream of lines, one JSON object each.", "schema": line},
        "default": {
            "description": "An error before the first line.",
            "schema": ref(STREAM_ERROR_BODY),
        },
    }
