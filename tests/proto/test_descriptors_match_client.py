"""Our schema (private pool) describes the same wire format as armada-client's modules."""

from __future__ import annotations

from armada_client.armada import event_pb2, health_pb2, job_pb2, submit_pb2
from google.protobuf import text_format
from google.protobuf.descriptor import FileDescriptor
from proto_support import assert_same_enums, assert_same_messages, assert_same_methods

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


def test_client_files_are_found() -> None:
    names = {fd.name for fd in client_files()}
    assert {"armada/submit.proto", "k8s.io/api/core/v1/generated.proto"} <= names


def test_every_client_message_has_the_same_fields() -> None:
    assert assert_same_messages(client_files()) > 300


def test_every_client_enum_has_the_same_values() -> None:
    assert assert_same_enums(client_files()) >= 7


def test_every_client_service_method_exists_with_the_same_signature() -> None:
    assert assert_same_methods(client_files()) > 30


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
