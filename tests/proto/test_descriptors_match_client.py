"""Our schema (private pool) describes the same wire format as armada-client's modules."""

from __future__ import annotations

from collections.abc import Iterator

from armada_client.armada import event_pb2, health_pb2, job_pb2, submit_pb2
from google.protobuf import descriptor_pb2, text_format
from google.protobuf.descriptor import (
    Descriptor,
    EnumDescriptor,
    FieldDescriptor,
    FileDescriptor,
    ServiceDescriptor,
)

from armada_adapters.wire import pool

CLIENT_ROOTS = (submit_pb2, event_pb2, job_pb2, health_pb2)


def client_files() -> list[FileDescriptor]:
    """The client's api and k8s files (and what they import, less protobuf's own)."""
    seen: dict[str, FileDescriptor] = {}

    def visit(fd: FileDescriptor) -> None:
        if fd.name not in seen:
            seen[fd.name] = fd
            for dep in fd.dependencies:
                visit(dep)

    for module in CLIENT_ROOTS:
        visit(module.DESCRIPTOR)
    return [fd for name, fd in sorted(seen.items()) if name.startswith(("armada/", "k8s.io/"))]


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


def test_client_files_are_found() -> None:
    names = {fd.name for fd in client_files()}
    assert {"armada/submit.proto", "k8s.io/api/core/v1/generated.proto"} <= names


def test_every_client_message_has_the_same_fields() -> None:
    checked = 0
    for fd in client_files():
        for theirs in all_messages(fd):
            ours = pool.pool().FindMessageTypeByName(theirs.full_name)
            assert [f.name for f in ours.fields] == [f.name for f in theirs.fields], (
                theirs.full_name
            )
            for field in theirs.fields:
                mine = ours.fields_by_name[field.name]
                assert shape(mine) == shape(field), f"{theirs.full_name}.{field.name}"
            checked += 1
    assert checked > 300


def test_every_client_enum_has_the_same_values() -> None:
    for fd in client_files():
        for theirs in all_enums(fd):
            ours = pool.pool().FindEnumTypeByName(theirs.full_name)
            assert [(v.name, v.number) for v in ours.values] == [
                (v.name, v.number) for v in theirs.values
            ], theirs.full_name


def http_text(options: descriptor_pb2.MethodOptions) -> str:
    from armada_client.google.api import annotations_pb2

    if not options.HasExtension(annotations_pb2.http):
        return ""
    return text_format.MessageToString(options.Extensions[annotations_pb2.http])


def test_every_client_service_method_exists_with_the_same_signature() -> None:
    for fd in client_files():
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
                assert mine_http == http_text(method.GetOptions()), method.full_name


def test_services_of_the_public_api_are_all_there() -> None:
    expected = {
        "api.Submit": 14,  # 13 of the client plus LEGACY GetQueueInfo
        "api.QueueService": 11,
        "api.Event": 3,
        "api.Jobs": 6,
    }
    for name, count in expected.items():
        assert len(pool.service_descriptor(name).methods) == count, name


def test_legacy_get_queue_info() -> None:
    method = pool.service_descriptor("api.Submit").methods_by_name["GetQueueInfo"]
    assert method.input_type.full_name == "api.QueueInfoRequest"
    assert method.output_type.full_name == "api.QueueInfo"
    rule = pool.http_rule(method)
    assert rule is not None and text_format.MessageToString(rule, as_one_line=True) == (
        'get: "/v1/queue/{name}/info"'
    )
    fields = pool.message_class("api.QueueInfo").DESCRIPTOR.fields
    assert [(f.name, f.number) for f in fields] == [("name", 1), ("active_job_sets", 2)]
    job_set = pool.message_class("api.JobSetInfo").DESCRIPTOR.fields
    assert [(f.name, f.number) for f in job_set] == [
        ("name", 1),
        ("queued_jobs", 2),
        ("leased_jobs", 3),
    ]
