"""Which codecs the SQL backends store pod specs and events with: the ones they are
given, else those registered under the entry-point groups `armada.pod_spec_codec` and
`armada.event_codec`."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from storage_helpers import make_job, submit_append

from armada_adapters.wire.event_codec import ProtobufEvents
from armada_adapters.wire.pod_spec import ProtobufPodSpecs
from armada_core.kube_pod import KubePodSpec
from armada_core.ports import PodSpec
from armada_storage import codecs as pod_specs
from armada_storage.config import StorageConfigError
from armada_storage.sqlite import SqliteStorage, from_config

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def fresh_lookup() -> Iterator[None]:
    pod_specs.registered_pod_spec_codec.cache_clear()
    pod_specs.registered_event_codec.cache_clear()
    yield
    pod_specs.registered_pod_spec_codec.cache_clear()
    pod_specs.registered_event_codec.cache_clear()


def _installed(monkeypatch: pytest.MonkeyPatch, *values: str) -> None:
    entry_points = [
        importlib.metadata.EntryPoint(f"codec{k}", value, pod_specs.POD_SPEC_GROUP)
        for k, value in enumerate(values)
    ]
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: entry_points)


class JsonPodSpecs:
    """A codec of the test's own: the Kubernetes JSON as text."""

    def encode(self, spec: PodSpec) -> bytes:
        return repr(spec.kube()).encode()

    def decode(self, data: bytes) -> PodSpec:
        return KubePodSpec(eval(data.decode()))  # our own repr of a dict


def test_the_wire_package_registers_the_protobuf_codecs() -> None:
    assert isinstance(pod_specs.registered_pod_spec_codec(), ProtobufPodSpecs)
    assert isinstance(pod_specs.registered_event_codec(), ProtobufEvents)


async def test_without_a_registered_event_codec_opening_says_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _installed(monkeypatch)
    section: dict[str, Any] = {"path": str(tmp_path / "a.db")}
    with pytest.raises(StorageConfigError, match=r"no event codec .*armada\.event_codec"):
        await from_config(section, pod_specs=JsonPodSpecs())


async def test_without_a_registered_codec_opening_says_what_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _installed(monkeypatch)
    with pytest.raises(StorageConfigError, match=r"no pod spec codec .*armada\.pod_spec_codec"):
        await SqliteStorage.open(tmp_path / "a.db")


def test_several_registered_codecs_are_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    _installed(monkeypatch, "a.b:c", "d.e:f", "a.b:c")  # the same one twice counts once
    with pytest.raises(
        StorageConfigError, match=r"several .*\(codec0 \(a\.b:c\), codec1 \(d\.e:f\)\)"
    ):
        pod_specs.registered_pod_spec_codec()


def test_a_codec_that_cannot_load_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _installed(monkeypatch, "no_such_module_here:codec")
    with pytest.raises(StorageConfigError, match=r"codec0 .* cannot be loaded"):
        pod_specs.registered_pod_spec_codec()


async def test_a_given_codec_is_used_and_none_is_looked_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _installed(monkeypatch)  # nothing registered: the given codecs are enough
    section: dict[str, Any] = {"path": str(tmp_path / "a.db")}
    storage = await from_config(section, pod_specs=JsonPodSpecs(), events=ProtobufEvents())
    try:
        job = make_job()
        await storage.write(at_ms=1, jobs=[job], appends=[submit_append([job])])
        back = (await storage.get_jobs([job.id]))[job.id].job
        assert back == job
        assert isinstance(back.spec, KubePodSpec)
    finally:
        await storage.aclose()
