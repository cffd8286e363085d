"""Validating JSON against the served Swagger document (shared by the swagger tests)."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema  # type: ignore[import-untyped]

STREAMED = {"/v1/batched/queues", "/v1/job-set/{queue}/{id}"}


def strict(document: dict[str, Any]) -> dict[str, Any]:
    """The definitions with `additionalProperties: false` on every object with properties.

    The served document leaves extra keys open (Go ignores unknown keys on input);
    the tests close them so that a key the server writes but the document does not
    name is caught.
    """
    definitions: dict[str, Any] = copy.deepcopy(document["definitions"])
    for schema in definitions.values():
        _close(schema)
    return definitions


def _close(schema: Any) -> None:
    if not isinstance(schema, dict):
        return
    if "properties" in schema:
        schema.setdefault("additionalProperties", False)
        for sub in schema["properties"].values():
            _close(sub)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            _close(schema[key])


def validator(definitions: dict[str, Any], schema: dict[str, Any]) -> jsonschema.Validator:
    """A draft-4 validator (Swagger 2.0's dialect) of `schema` within `definitions`."""
    root = {**copy.deepcopy(schema), "definitions": definitions}
    _close(root)
    return jsonschema.Draft4Validator(root)


def response_schema(document: dict[str, Any], path: str, method: str, status: str) -> Any:
    """The schema a documented response declares (the `default` one for errors)."""
    responses = document["paths"][path][method]["responses"]
    return responses.get(status, responses["default"])["schema"]
