"""`kind: Queue` and `kind: RetryPolicy` files (spec §5.3, §5.5) turned into API messages.

A bad value is reported with its line (the wire codec names the path, the YAML node
tree gives the line).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pool import message_class
from armada_cli.errors import CliError
from armada_cli.files import Document, get
from armada_cli.output import API_VERSION
from armada_cli.queues import check_priority_factor

KINDS = ("Queue", "RetryPolicy")
# The fields of armadactl's queue file; anything else in the file is ignored, as there.
QUEUE_FILE_FIELDS = (
    "name",
    "priorityFactor",
    "permissions",
    "cordoned",
    "labels",
    "retryPolicies",
    "resourceLimitsByPriorityClassName",
)
SUBJECT_KINDS = ("User", "Group")
ENVELOPE = ("apiVersion", "kind")


def kind_of(doc: Document) -> str:
    """Check the envelope (`apiVersion`, `kind`) and return the kind."""
    if not isinstance(doc.data, Mapping):
        raise doc.fail("the file must hold a mapping")
    version = get(doc.data, "apiVersion")
    if version is None:
        raise CliError(f"file {doc.name} error: invalid resource field 'apiVersion': missing")
    if version != API_VERSION:
        raise doc.fail(f"invalid version: {version}. Valid values: [{API_VERSION}]")
    kind = get(doc.data, "kind")
    if kind is None:
        raise CliError(f"invalid resource kind: {doc.name} has no kind")
    if kind not in KINDS:
        raise doc.fail(f"invalid kind: {kind}. Valid values: [{' '.join(KINDS)}]")
    return str(kind)


def queue_from(doc: Document) -> Any:
    """The `api.Queue` a Queue file describes (validated as armadactl does)."""
    body = {key: value for key in QUEUE_FILE_FIELDS if (value := get(doc.data, key)) is not None}
    if "priorityFactor" in body:
        factor = body["priorityFactor"]
        if not isinstance(factor, int | float) or isinstance(factor, bool):
            raise doc.fail("priorityFactor must be a number", _key(doc, "priorityFactor"))
        check_priority_factor(float(factor))
    for permission in body.get("permissions") or []:
        for subject in (
            (get(permission, "subjects") or []) if isinstance(permission, Mapping) else []
        ):
            kind = get(subject, "kind") if isinstance(subject, Mapping) else None
            if kind not in SUBJECT_KINDS:
                raise CliError(f"file {doc.name} error: invalid kind value: {kind}")
    return decode(doc, body, "api.Queue")


def retry_policy_from(doc: Document) -> Any:
    """The `api.RetryPolicy` of a RetryPolicy file; unknown fields are refused."""
    if kind_of(doc) != "RetryPolicy":
        raise CliError(f'file {doc.name} error: kind must be "RetryPolicy"')
    body = {k: v for k, v in doc.data.items() if k not in ENVELOPE}
    policy = message_class("api.RetryPolicy")
    if unknown := _unknown_key(body, policy.DESCRIPTOR, ""):
        raise CliError(
            f"file {doc.name} error: line {doc.line_of(unknown)}: unknown field "
            f'"{unknown.rpartition(".")[2]}"'
        )
    return decode(doc, _actions(body), "api.RetryPolicy")


def decode(doc: Document, body: Any, message: str, at: str = "") -> Any:
    """`body` as message `message`; a misfit names its line (`at` prefixes the path)."""
    try:
        return from_json(body, message_class(message))
    except WireDecodeError as error:
        path = f"{at}.{error.path}" if at and error.path else (at or error.path)
        raise doc.fail(error.message, path) from None


def _key(doc: Document, name: str) -> str:
    return next((str(k) for k in doc.data if str(k).lower() == name.lower()), name)


def _unknown_key(data: Any, descriptor: Any, path: str) -> str | None:
    if not isinstance(data, Mapping):
        return None
    fields = {f.json_name: f for f in descriptor.fields}
    for key, value in data.items():
        where = f"{path}.{key}" if path else str(key)
        field = fields.get(str(key))
        if field is None:
            return where
        if field.message_type is not None and not field.message_type.GetOptions().map_entry:
            items = value if isinstance(value, list) else [value]
            for index, item in enumerate(items):
                inner = f"{where}[{index}]" if isinstance(value, list) else where
                if found := _unknown_key(item, field.message_type, inner):
                    return found
    return None


_ACTION_NAMES = {"retry": "Retry", "fail": "Fail", "unspecified": "RETRY_ACTION_UNSPECIFIED"}


def _actions(body: dict[str, Any]) -> dict[str, Any]:
    """Retry actions accepted in any case (`retry`, `FAIL`), as armadactl accepts them."""

    def fix(value: Any) -> Any:
        return _ACTION_NAMES.get(value.lower(), value) if isinstance(value, str) else value

    out = dict(body)
    if "defaultAction" in out:
        out["defaultAction"] = fix(out["defaultAction"])
    out["rules"] = [
        {**rule, "action": fix(rule["action"])}
        if isinstance(rule, Mapping) and "action" in rule
        else rule
        for rule in out.get("rules") or []
    ]
    return out
