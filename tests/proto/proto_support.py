"""Helpers shared by the wire-schema tests: the generator scripts, descriptor shapes, upstream."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
from google.protobuf import descriptor_pb2, message_factory, text_format
from google.protobuf.descriptor import (
    Descriptor,
    EnumDescriptor,
    FieldDescriptor,
    FileDescriptor,
    MethodDescriptor,
    ServiceDescriptor,
)
from google.protobuf.descriptor_pool import DescriptorPool
from google.protobuf.message import Message

from armada_adapters.wire import pool

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"


def load_script(name: str) -> ModuleType:
    """Import `scripts/<name>.py` as running it would: with its folder first on sys.path."""
    if str(SCRIPTS) not in sys.path:
        sys.path.insert(0, str(SCRIPTS))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def upstream_source() -> Path:
    """Armada's `.proto` sources (shared/spec/upstream-protos); skips the test without them."""
    upstream = load_script("upstream_protos")
    source = upstream.find_source(ROOT)
    if source is None:
        pytest.skip(
            f"{upstream.SOURCE_IN_SHARED} not found beside the repository or its parents "
            f"(set {upstream.SOURCE_ENV}); the upstream comparison needs it"
        )
    assert isinstance(source, Path)
    return source


@cache
def _upstream_pool(source: Path) -> DescriptorPool:
    write_protos = load_script("write_protos")
    upstream = load_script("upstream_protos")
    files = upstream.compile_upstream(source, write_protos.client_files())
    separate = DescriptorPool()
    for fdp in files:
        separate.Add(fdp)
    return separate


def upstream_pool() -> DescriptorPool:
    """A pool (not the default one) of every file protoc builds from Armada's sources, with
    the client's own proto2 Kubernetes files for their imports."""
    return _upstream_pool(upstream_source())


def upstream_files() -> list[FileDescriptor]:
    """The compiled upstream files that `proto/` carries (written ones and submit.proto)."""
    upstream = load_script("upstream_protos")
    return [upstream_pool().FindFileByName(name) for name in upstream.COMPILED]


def upstream_class(full_name: str) -> type[Message]:
    """The official runtime's class for `full_name`, built from Armada's own descriptors."""
    return message_factory.GetMessageClass(upstream_pool().FindMessageTypeByName(full_name))


def all_messages(fd: FileDescriptor) -> Iterator[Descriptor]:
    def walk(msg: Descriptor) -> Iterator[Descriptor]:
        yield msg
        for nested in msg.nested_types:
            yield from walk(nested)

    for msg in fd.message_types_by_name.values():
        yield from walk(msg)


def all_enums(fd: FileDescriptor) -> Iterator[EnumDescriptor]:
    yield from fd.enum_types_by_name.values()
    for msg in all_messages(fd):
        yield from msg.enum_types


def real_oneof(field: FieldDescriptor) -> str | None:
    """The oneof the field belongs to, ignoring proto3 `optional`'s synthetic ones."""
    if field.containing_oneof is None:
        return None
    proto = descriptor_pb2.DescriptorProto()
    assert field.containing_type is not None
    field.containing_type.CopyToProto(proto)
    if next(f for f in proto.field if f.name == field.name).proto3_optional:
        return None
    return str(field.containing_oneof.name)


def shape(field: FieldDescriptor) -> dict[str, object]:
    """What decides how a field is encoded, decoded and named in JSON.

    Presence of a map entry's key and value is left out: maps encode both either way.
    """
    assert field.containing_type is not None
    in_map_entry = field.containing_type.GetOptions().map_entry
    return {
        "number": field.number,
        "type": field.type,
        "repeated": field.is_repeated,
        "packed": field.is_packed,
        "presence": None if in_map_entry else field.has_presence,
        "message": field.message_type.full_name if field.message_type else None,
        "enum": field.enum_type.full_name if field.enum_type else None,
        "json_name": field.json_name,
        "oneof": real_oneof(field),
    }


def http_text(method: MethodDescriptor) -> str:
    """The method's `google.api.http` option as text ("" without one)."""
    from armada_client.google.api import annotations_pb2  # registers the extension

    options = method.GetOptions()
    if not options.HasExtension(annotations_pb2.http):
        return ""
    return text_format.MessageToString(options.Extensions[annotations_pb2.http])


def assert_same_messages(files: list[FileDescriptor]) -> int:
    """Every message of `files` is in our pool with the same fields; returns how many."""
    checked = 0
    for fd in files:
        for theirs in all_messages(fd):
            ours = pool.pool().FindMessageTypeByName(theirs.full_name)
            assert [f.name for f in ours.fields] == [f.name for f in theirs.fields], (
                theirs.full_name
            )
            for field in theirs.fields:
                mine = ours.fields_by_name[field.name]
                assert shape(mine) == shape(field), f"{theirs.full_name}.{field.name}"
            checked += 1
    return checked


def assert_same_enums(files: list[FileDescriptor]) -> int:
    """Every enum of `files` is in our pool with the same values; returns how many."""
    checked = 0
    for fd in files:
        for theirs in all_enums(fd):
            ours = pool.pool().FindEnumTypeByName(theirs.full_name)
            assert [(v.name, v.number) for v in ours.values] == [
                (v.name, v.number) for v in theirs.values
            ], theirs.full_name
            checked += 1
    return checked


def assert_same_methods(files: list[FileDescriptor]) -> int:
    """Every method of `files` is in our pool with the same path, types, streaming and
    `google.api.http` rule; returns how many."""
    checked = 0
    for fd in files:
        theirs: ServiceDescriptor
        for theirs in fd.services_by_name.values():
            ours = pool.service_descriptor(theirs.full_name)
            for method in theirs.methods:
                mine = ours.methods_by_name[method.name]
                assert mine.full_name == method.full_name
                assert mine.input_type.full_name == method.input_type.full_name
                assert mine.output_type.full_name == method.output_type.full_name
                assert mine.client_streaming == method.client_streaming
                assert mine.server_streaming == method.server_streaming
                rule = pool.http_rule(mine)
                mine_http = text_format.MessageToString(rule) if rule is not None else ""
                assert mine_http == http_text(method), method.full_name
                checked += 1
    return checked
