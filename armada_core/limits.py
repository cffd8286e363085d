"""Bounds on what a request may carry: every name, id, label and number the API accepts.

Each limit is written here once; the use cases call these checks before a value
reaches storage, so an oversized name costs a length test, never a lookup. Every
check is O(len(value)). A failure is InvalidArgument naming the field (as the API
names it) and never echoes more of the value than `echo.shown` allows.

Where Armada has a limit we keep it and its wording (job set id, client id); where
it has none we take Kubernetes' bound for the same kind of thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from armada_core.echo import shown
from armada_core.errors import InvalidArgument

# Kubernetes' longest object name (a DNS subdomain). Queue, user, group, priority
# class, pool and resource names: Armada leaves them unbounded.
NAME_BYTES = 253
NAMESPACE_BYTES = 63  # a Kubernetes namespace is a DNS label
JOB_SET_ID_BYTES = 1023  # Armada: "must be less than 1024"
CLIENT_ID_BYTES = 100  # Armada
# Job and run ids are 26 (ULID) or 36 (UUID) characters; room for other schemes.
ID_BYTES = 128
# `<ms>:<seq>:<index>:<last>` with three int64s and `false` is 65 characters.
MESSAGE_ID_BYTES = 80
EXTERNAL_URI_BYTES = 2048  # the longest URL browsers and proxies reliably accept
# Kubernetes: label values and the name part of a key at most 63, the key's
# optional DNS prefix at most 253; all annotations of an object at most 256 KiB.
LABEL_VALUE_BYTES = 63
LABEL_NAME_BYTES = 63
LABEL_PREFIX_BYTES = 253
ANNOTATIONS_BYTES = 256 * 1024
# What an executor reports about a failure (reason, container messages) is kept up to
# this many characters: it goes into events, job errors and their replays.
RUN_ERROR_CHARS = 8192
# Why an operator cordoned an executor: a sentence or two (Armada has no bound).
CORDON_REASON_BYTES = 1024

# Numbers. Priorities are uint32 on the wire of Armada's scheduler; a priority
# factor divides a queue's fair share, where a million is already beyond any use.
MAX_PRIORITY = 2**32 - 1
MIN_PRIORITY_FACTOR = 1
MAX_PRIORITY_FACTOR = 1_000_000
MAX_RESOURCE_FRACTION = 1  # a share of a pool: from none (0) to all of it

_UTF8_MAX = 4  # bytes per character at most


def utf8_length(value: str) -> int:
    """Bytes of UTF-8, counted without encoding when the answer is plain from `len`."""
    if value.isascii():
        return len(value)
    return len(value.encode("utf-8", "surrogatepass"))


def check_length(field: str, value: str, limit: int) -> None:
    """InvalidArgument naming `field` when `value` is longer than `limit` bytes of UTF-8."""
    if len(value) * _UTF8_MAX <= limit:
        return  # short whatever its characters: the common case costs no count
    length = utf8_length(value)
    if length > limit:
        raise InvalidArgument(f"{field} is too long: {length} bytes, at most {limit} allowed")


def check_name(field: str, value: str) -> None:
    """A queue, user, group, priority class, pool or resource name."""
    check_length(field, value, NAME_BYTES)


def check_queue_name(value: str) -> None:
    """A queue's name (the `name` of the queue requests, the `queue` of the others)."""
    check_length("queue name", value, NAME_BYTES)


def check_names(field: str, values: Iterable[str]) -> None:
    """Every name of a list."""
    for value in values:
        check_length(field, value, NAME_BYTES)


def check_ids(field: str, values: Iterable[str]) -> None:
    """Every job or run id of a list."""
    for value in values:
        check_length(field, value, ID_BYTES)


def check_job_set_id(value: str) -> None:
    """Armada's bound and wording."""
    length = utf8_length(value)
    if length > JOB_SET_ID_BYTES:
        raise InvalidArgument(
            f"job set id of length {length} must be less than max character length "
            f"{JOB_SET_ID_BYTES + 1}"
        )


def check_client_id(value: str) -> None:
    """Armada's bound and wording (its double space included)."""
    length = utf8_length(value)
    if length > CLIENT_ID_BYTES:
        raise InvalidArgument(
            f"client id of length {length} is greater than max allowed length of  {CLIENT_ID_BYTES}"
        )


def check_labels(field: str, labels: Mapping[str, str]) -> None:
    """Kubernetes' lengths for label keys and values.

    Their characters are not checked: Armada does not, and values may hold the
    `{JobId}` template that submission replaces.
    """
    key = _passed_key("labels", labels)
    if key is None:
        return
    for name, value in labels.items():
        check_label_key(field, name)
        if len(value) > LABEL_VALUE_BYTES or utf8_length(value) > LABEL_VALUE_BYTES:
            raise InvalidArgument(
                f"{field}: the value of {shown(name)} is longer than {LABEL_VALUE_BYTES} bytes"
            )
    if key and len(labels) <= _PASSED_ENTRIES:  # at most 16 * 380 characters
        _remember(key)


def check_label_key(field: str, key: str) -> None:
    """A key is `[prefix/]name`: prefix at most 253 bytes, name at most 63."""
    prefix, _, name = key.rpartition("/")
    if utf8_length(name) > LABEL_NAME_BYTES or utf8_length(prefix) > LABEL_PREFIX_BYTES:
        raise InvalidArgument(
            f"{field}: key {shown(key)} is too long: a name of at most {LABEL_NAME_BYTES} "
            f"bytes, after an optional prefix of at most {LABEL_PREFIX_BYTES}"
        )


def check_annotations(field: str, annotations: Mapping[str, str]) -> None:
    """Keys as label keys; keys and values together at most 256 KiB, as Kubernetes."""
    key = _passed_key("annotations", annotations)
    if key is None:
        return
    total = 0
    for name, value in annotations.items():
        check_label_key(field, name)
        total += utf8_length(name) + utf8_length(value)
    if total > ANNOTATIONS_BYTES:
        raise InvalidArgument(
            f"{field} are too long: {total} bytes in total, at most {ANNOTATIONS_BYTES} allowed"
        )
    if key and total <= _PASSED_BYTES:
        _remember(key)


# Labels and annotations that passed, by content (the field name only shows in messages):
# a batch's items repeat the same few maps (templates such as `{JobId}` are still
# unreplaced here). Only small maps are kept, and a full memo starts over, so it stays
# small whatever clients send; thread-safe under the GIL (a lost race re-checks once).
_Key = tuple[str, tuple[Any, ...]]
_PASSED: dict[_Key, bool] = {}
_PASSED_SIZE = 1024  # maps kept at most
_PASSED_ENTRIES = 16  # labels of a kept map, at most
_PASSED_BYTES = 4096  # annotations' bytes of a kept map, at most


def _passed_key(kind: str, values: Mapping[str, str]) -> _Key | tuple[()] | None:
    """None when `values` passed before; else its memo key, or `()` when it cannot
    have one (not text where text belongs: checked, and refused, each time)."""
    if not values:
        return None
    key = (kind, tuple(values.items()))
    try:
        return None if key in _PASSED else key
    except TypeError:
        return ()


def _remember(key: _Key) -> None:
    if len(_PASSED) >= _PASSED_SIZE:
        _PASSED.clear()
    _PASSED[key] = True


def check_number(field: str, value: float, low: float, high: float) -> float:
    """`value` if it is a finite number from `low` to `high`, else InvalidArgument."""
    if low <= value <= high:  # NaN compares false
        return value
    raise InvalidArgument(f"{field} must be a number from {low} to {high}, got {value!r}")


def clipped(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, marked when it was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more chars)"
