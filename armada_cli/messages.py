"""The CLI's protobuf classes: the server's private pool plus the upstream services it lacks.

Armada's `api.Executor`, `api.Node` and `schedulerobjects.SchedulerReporting` are not in
our schema; armadactl calls them, so their (all-scalar) messages are declared here from
the upstream protos (spec/upstream-protos) and added to a pool of the CLI's own.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from google.protobuf import descriptor_pb2, message_factory
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.descriptor_pool import DescriptorPool
from google.protobuf.message import Message

from armada_adapters.wire import pool as wire_pool

STRING, BOOL, INT32 = "string", "bool", "int32"
REPEATED = "repeated string"
EMPTY = ".google.protobuf.Empty"

# message name -> fields (name, kind) numbered from 1, as upstream numbers them
_EXECUTOR = {
    "ExecutorSettingsUpsertRequest": [
        ("name", STRING),
        ("cordoned", BOOL),
        ("cordonReason", STRING),
    ],
    "ExecutorDeleteRequest": [("name", STRING)],
    "ExecutorPreemptRequest": [
        ("name", STRING),
        ("queues", REPEATED),
        ("priorityClasses", REPEATED),
        ("pools", REPEATED),
    ],
    "ExecutorCancelRequest": [
        ("name", STRING),
        ("queues", REPEATED),
        ("priorityClasses", REPEATED),
        ("pools", REPEATED),
    ],
    "NodePreemptRequest": [
        ("name", STRING),
        ("executor", STRING),
        ("queues", REPEATED),
        ("priorityClasses", REPEATED),
    ],
    "NodeCancelRequest": [
        ("name", STRING),
        ("executor", STRING),
        ("queues", REPEATED),
        ("priorityClasses", REPEATED),
    ],
}
_REPORTS = {
    "QueueReportRequest": [("queue_name", STRING), ("verbosity", INT32)],
    "QueueReport": [("report", STRING)],
    "JobReportRequest": [("job_id", STRING)],
    "JobReport": [("report", STRING)],
    "SchedulingReport": [("report", STRING)],
    "MostRecentForQueue": [("queue_name", STRING)],
    "MostRecentForJob": [("job_id", STRING)],
}
_SERVICES = {
    "api.Executor": {
        "UpsertExecutorSettings": ("ExecutorSettingsUpsertRequest", EMPTY),
        "PreemptOnExecutor": ("ExecutorPreemptRequest", EMPTY),
        "CancelOnExecutor": ("ExecutorCancelRequest", EMPTY),
        "DeleteExecutor": ("ExecutorDeleteRequest", EMPTY),
    },
    "api.Node": {
        "PreemptOnNode": ("NodePreemptRequest", EMPTY),
        "CancelOnNode": ("NodeCancelRequest", EMPTY),
    },
    "schedulerobjects.SchedulerReporting": {
        "GetSchedulingReport": ("SchedulingReportRequest", "SchedulingReport"),
        "GetQueueReport": ("QueueReportRequest", "QueueReport"),
        "GetJobReport": ("JobReportRequest", "JobReport"),
    },
}
_TYPES = {
    STRING: descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
    BOOL: descriptor_pb2.FieldDescriptorProto.TYPE_BOOL,
    INT32: descriptor_pb2.FieldDescriptorProto.TYPE_INT32,
    REPEATED: descriptor_pb2.FieldDescriptorProto.TYPE_STRING,
}


@cache
def pool() -> DescriptorPool:
    """The wire schema's files plus the upstream executor/node/report services."""
    data = resources.files(wire_pool.__name__.rpartition(".")[0])
    raw = data.joinpath(wire_pool.DESCRIPTOR_SET).read_bytes()
    private = DescriptorPool()
    for file in descriptor_pb2.FileDescriptorSet.FromString(raw).file:
        private.Add(file)
    # The wire schema carries Armada's own files for these now; ours stand in without them.
    if not _serves(private, "api.Executor"):
        private.Add(_upstream_file("armada_cli/executor.proto", "api", _EXECUTOR))
    if not _serves(private, "schedulerobjects.SchedulerReporting"):
        private.Add(_reports_file())
    return private


def _serves(pool: DescriptorPool, service: str) -> bool:
    try:
        pool.FindServiceByName(service)
    except KeyError:
        return False
    return True


@cache
def message_class(full_name: str) -> type[Message]:
    """The class of message `full_name` (e.g. `api.Queue`); KeyError if unknown."""
    return message_factory.GetMessageClass(pool().FindMessageTypeByName(full_name))


def method(path: str) -> MethodDescriptor:
    """The descriptor of `/package.Service/Method`; KeyError if unknown."""
    service, _, name = path.strip("/").partition("/")
    return pool().FindServiceByName(service).methods_by_name[name]


def _upstream_file(
    name: str, package: str, messages: dict[str, list[tuple[str, str]]]
) -> descriptor_pb2.FileDescriptorProto:
    file = descriptor_pb2.FileDescriptorProto(
        name=name, package=package, syntax="proto3", dependency=["google/protobuf/empty.proto"]
    )
    for message_name, fields in messages.items():
        message = file.message_type.add(name=message_name)
        for number, (field_name, kind) in enumerate(fields, start=1):
            label = 3 if kind == REPEATED else 1
            message.field.add(name=field_name, number=number, type=_TYPES[kind], label=label)
    for service_name, methods in _SERVICES.items():
        if service_name.startswith(package + "."):
            service = file.service.add(name=service_name.partition(".")[2])
            for method_name, (request, reply) in methods.items():
                service.method.add(
                    name=method_name,
                    input_type=_qualified(package, request),
                    output_type=_qualified(package, reply),
                )
    return file


def _reports_file() -> descriptor_pb2.FileDescriptorProto:
    file = _upstream_file("armada_cli/scheduler_reporting.proto", "schedulerobjects", _REPORTS)
    request = file.message_type.add(name="SchedulingReportRequest")
    request.oneof_decl.add(name="filter")
    for number, (name, kind) in enumerate(
        (
            ("most_recent_for_queue", "MostRecentForQueue"),
            ("most_recent_for_job", "MostRecentForJob"),
        ),
        start=1,
    ):
        request.field.add(
            name=name,
            number=number,
            type=11,
            label=1,
            oneof_index=0,
            type_name=f".schedulerobjects.{kind}",
        )
    request.field.add(name="verbosity", number=3, type=_TYPES[INT32], label=1)
    return file


def _qualified(package: str, name: str) -> str:
    return name if name.startswith(".") else f".{package}.{name}"
