"""The codecs the SQL backends keep wire values with: pod specs and events as bytes.

A job's pod spec is stored as its `k8s.io.api.core.v1.PodSpec` protobuf bytes, an
event as its `api.EventMessage` bytes (`_event_rows`). The codecs that make and read
those bytes belong to the wire layer, which storage must not import; so a backend is
handed them (`pod_specs=`, `events=`), or takes the one installed under the
entry-point group `armada.pod_spec_codec` / `armada.event_codec` (armada-py's wire
package registers `protobuf` in both). An entry point's object is called with no
argument and returns the codec.
"""

from __future__ import annotations

import functools
import importlib.metadata
from typing import Any

from armada_core.ports import EventCodec, PodSpecCodec
from armada_storage.config import StorageConfigError

POD_SPEC_GROUP = "armada.pod_spec_codec"
EVENT_GROUP = "armada.event_codec"


def pod_spec_codec(given: PodSpecCodec | None) -> PodSpecCodec:
    """`given`, or else the registered pod spec codec."""
    return registered_pod_spec_codec() if given is None else given


def event_codec(given: EventCodec | None) -> EventCodec:
    """`given`, or else the registered event codec."""
    return registered_event_codec() if given is None else given


@functools.cache
def registered_pod_spec_codec() -> PodSpecCodec:
    """The one codec of group `armada.pod_spec_codec` (loaded once)."""
    codec: PodSpecCodec = _registered(POD_SPEC_GROUP, "pod spec", "pod_specs")
    return codec


@functools.cache
def registered_event_codec() -> EventCodec:
    """The one codec of group `armada.event_codec` (loaded once)."""
    codec: EventCodec = _registered(EVENT_GROUP, "event", "events")
    return codec


def _registered(group: str, what: str, argument: str) -> Any:
    """The object the one entry point of `group` makes (scanning `sys.path` is slow:
    callers keep it); `StorageConfigError` if none or several are installed."""
    # The same distribution seen twice on `sys.path` (a source tree beside its install)
    # registers the same object twice: one codec, not two.
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for entry_point in importlib.metadata.entry_points(group=group):
        found.setdefault(entry_point.value, entry_point)
    if not found:
        raise StorageConfigError(
            f"no {what} codec is installed (entry-point group {group}):"
            f" install armada-py, whose wire package registers one, or pass {argument}="
        )
    if len(found) > 1:
        names = ", ".join(sorted(f"{ep.name} ({ep.value})" for ep in found.values()))
        raise StorageConfigError(
            f"several {what} codecs are installed ({names}): pass one as {argument}="
        )
    [entry_point] = found.values()
    try:
        return entry_point.load()()
    except Exception as exc:  # any failure of a plugin is a configuration problem
        raise StorageConfigError(
            f"{what} codec {entry_point.name} ({entry_point.value}) cannot be loaded: {exc}"
        ) from None
