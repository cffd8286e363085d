"""The pod spec codec the SQL backends keep job pod specs with.

A job's pod spec is stored as its `k8s.io.api.core.v1.PodSpec` protobuf bytes. The
codec that makes and reads those bytes belongs to the wire layer, which storage must
not import; so a backend is handed one (`pod_specs=`), or takes the one installed
under the entry-point group `armada.pod_spec_codec` (armada-py's wire package
registers `protobuf`). An entry point's object is called with no argument and returns
the codec.
"""

from __future__ import annotations

import functools
import importlib.metadata

from armada_core.ports import PodSpecCodec
from armada_storage.config import StorageConfigError

ENTRY_POINT_GROUP = "armada.pod_spec_codec"


def pod_spec_codec(given: PodSpecCodec | None) -> PodSpecCodec:
    """`given`, or else the registered codec."""
    return registered_pod_spec_codec() if given is None else given


@functools.cache
def registered_pod_spec_codec() -> PodSpecCodec:
    """The one codec of group `armada.pod_spec_codec` (loaded once: scanning `sys.path`
    is slow); `StorageConfigError` if none or several are installed."""
    # The same distribution seen twice on `sys.path` (a source tree beside its install)
    # registers the same object twice: one codec, not two.
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(entry_point.value, entry_point)
    if not found:
        raise StorageConfigError(
            f"no pod spec codec is installed (entry-point group {ENTRY_POINT_GROUP}):"
            " install armada-py, whose wire package registers one, or pass pod_specs="
        )
    if len(found) > 1:
        names = ", ".join(sorted(f"{ep.name} ({ep.value})" for ep in found.values()))
        raise StorageConfigError(
            f"several pod spec codecs are installed ({names}): pass one as pod_specs="
        )
    [entry_point] = found.values()
    try:
        codec: PodSpecCodec = entry_point.load()()
    except Exception as exc:  # any failure of a plugin is a configuration problem
        raise StorageConfigError(
            f"pod spec codec {entry_point.name} ({entry_point.value}) cannot be loaded: {exc}"
        ) from None
    return codec
