"""The jobs table's URL: query parameters ↔ the core's `JobQuery` and grouping.

Parameters (all optional): `queue`, `job_set` (+ `job_set_match=prefix`), `state`
(repeatable state names), `job_id`, `label` and `annotation` (repeatable `key=value`),
`submitted_from` / `submitted_to` (ISO 8601, UTC unless an offset is given), `order`
(a `JobOrder` value), `dir` (`asc`/`desc`), `ps` (page size), `after` (an opaque
position from the previous page) and `group` (a `GroupField` value). A value that
does not parse is a `BadQuery` naming the parameter, shown above the table.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import TypeVar
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from armada_core.browse import (
    DEFAULT_PAGE_JOBS,
    GroupField,
    JobFilter,
    JobOrder,
    JobQuery,
    PagePosition,
)
from armada_core.jobs import JobState

PAGE_SIZES = (25, 50, 100, 500)
_POSITION_CHARS = 4096  # an encoded position longer than this is not one of ours
FILTER_KEYS = (
    "queue",
    "job_set",
    "job_set_match",
    "state",
    "job_id",
    "label",
    "annotation",
    "submitted_from",
    "submitted_to",
)
E = TypeVar("E", bound=Enum)
STATES = tuple(s for s in JobState if s not in (JobState.UNKNOWN, JobState.SUBMITTED))


class BadQuery(ValueError):
    """A query parameter that does not parse; the message names it."""


@dataclass(frozen=True, slots=True)
class TableView:
    """What the jobs page shows: a page of jobs, or groups."""

    query: JobQuery
    group: GroupField | None


def parse_view(params: QueryParams) -> TableView:
    """The view the parameters describe."""
    order = _enum(JobOrder, params.get("order") or JobOrder.SUBMITTED.value, "order")
    size = _int(params.get("ps") or str(DEFAULT_PAGE_JOBS), "ps")
    if size not in PAGE_SIZES:
        raise BadQuery(f"ps must be one of {', '.join(map(str, PAGE_SIZES))}")
    query = JobQuery(
        filter=parse_filter(params),
        order=order,
        descending=params.get("dir", "desc") != "asc",
        after=decode_position(params["after"]) if params.get("after") else None,
        limit=size,
    )
    group = params.get("group")
    return TableView(query, _enum(GroupField, group, "group") if group else None)


def parse_filter(params: QueryParams) -> JobFilter:
    """The filter part of the parameters."""
    return JobFilter(
        queue=params.get("queue", "").strip(),
        job_set_id=params.get("job_set", "").strip(),
        job_set_prefix=params.get("job_set_match") == "prefix",
        states=frozenset(_state(s) for s in params.getlist("state") if s),
        job_id=params.get("job_id", "").strip(),
        labels=_pairs(params.getlist("label"), "label"),
        annotations=_pairs(params.getlist("annotation"), "annotation"),
        submitted_from_ns=_time(params.get("submitted_from", ""), "submitted_from"),
        submitted_to_ns=_time(params.get("submitted_to", ""), "submitted_to"),
    )


def filter_params(params: QueryParams, **changes: str | list[str] | None) -> str:
    """The filter parameters of `params` as a query string, with `changes` applied."""
    kept: dict[str, str | list[str]] = {k: params.getlist(k) for k in FILTER_KEYS if k in params}
    for key, value in changes.items():
        if value is None:
            kept.pop(key, None)
        else:
            kept[key] = value
    return urlencode({k: v for k, v in kept.items() if v}, doseq=True)


def encode_position(position: PagePosition) -> str:
    """An opaque, URL-safe token for `after`."""
    raw = json.dumps([position.value, position.seq], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_position(token: str) -> PagePosition:
    if len(token) > _POSITION_CHARS:
        raise BadQuery("after is not a page position")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, seq = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise BadQuery("after is not a page position") from None
    if not isinstance(value, str | int) or isinstance(value, bool) or type(seq) is not int:
        raise BadQuery("after is not a page position")
    return PagePosition(value, seq)


def _state(name: str) -> JobState:
    try:
        state = JobState[name.upper()]
    except KeyError:
        raise BadQuery(f"state: unknown state {name[:40]!r}") from None
    if state not in STATES:
        raise BadQuery(f"state: unknown state {name[:40]!r}")
    return state


def _pairs(values: list[str], name: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for value in values:
        if not value.strip():
            continue
        key, sep, wanted = value.partition("=")
        if not sep or not key.strip():
            raise BadQuery(f"{name} must be key=value")
        pairs.append((key.strip(), wanted.strip()))
    return tuple(pairs)


def _time(value: str, name: str) -> int | None:
    if not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadQuery(f"{name} must be a date and time like 2026-08-21T13:00") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1_000


def _enum(kind: type[E], value: str, name: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise BadQuery(f"{name}: unknown value {value[:40]!r}") from None


def _int(value: str, name: str) -> int:
    if not value.isdigit() or len(value) > 6:
        raise BadQuery(f"{name} must be a number")
    return int(value)
