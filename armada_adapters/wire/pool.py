"""Protobuf (upb) classes for Armada's wire schema, built in a private descriptor pool.

armada-client registers the same `api.*` and `k8s.io.*` names in protobuf's default pool, so
ours live in a pool of their own, loaded from `descriptors.binpb` (written by
`scripts/gen_protos.py`). Both sets of classes can then be used in one process.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from google.protobuf import descriptor_pb2, message_factory
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.descriptor_pool import DescriptorPool
from google.protobuf.message import Message

DESCRIPTOR_SET = "descriptors.binpb"
HTTP_EXTENSION = "google.api.http"


@cache
def pool() -> DescriptorPool:
    """The private pool holding every file of `descriptors.binpb`."""
    data = resources.files(__package__).joinpath(DESCRIPTOR_SET).read_bytes()
    private = DescriptorPool()
    for file in descriptor_pb2.FileDescriptorSet.FromString(data).file:
        private.Add(file)
    return private


@cache
def message_class(full_name: str) -> type[Message]:
    """The class of message `full_name` (e.g. `api.JobSubmitRequest`); KeyError if unknown."""
    return message_factory.GetMessageClass(pool().FindMessageTypeByName(full_name))


def service_descriptor(full_name: str) -> ServiceDescriptor:
    """The descriptor of service `full_name` (e.g. `api.Submit`); KeyError if unknown."""
    return pool().FindServiceByName(full_name)


def http_rule(method: MethodDescriptor) -> Message | None:
    """The method's `google.api.http` option as a `google.api.HttpRule`, or None.

    The options are re-read with the private pool's own `MethodOptions`, which knows the
    extension whether or not anything registered it in the default pool.
    """
    raw = method.GetOptions().SerializeToString()
    options = message_class("google.protobuf.MethodOptions").FromString(raw)
    for field, value in options.ListFields():
        if field.full_name == HTTP_EXTENSION and isinstance(value, Message):
            return value
    return None
