"""Bad input raises WireDecodeError with a path; unknown protobuf fields survive."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf.unknown_fields import UnknownFieldSet

from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import UNKNOWN_KEY, from_json, to_json
from armada_adapters.wire.pool import message_class

SUBMIT = "api.JobSubmitRequest"


def _item(pod: dict[str, Any]) -> dict[str, Any]:
    return {"queue": "q", "jobRequestItems": [{"podSpec": pod}]}


@pytest.mark.parametrize(
    ("message", "data", "path", "text"),
    [
        ("api.JobSetRequest", {"watch": "true"}, "watch", "expected boolean, got string"),
        ("api.JobSetRequest", {"watch": 1}, "watch", "expected boolean, got number"),
        ("api.JobCancelRequest", {"jobIds": {"a": 1}}, "jobIds", "expected array, got object"),
        ("api.JobCancelRequest", {"jobIds": ["a", 5]}, "jobIds[1]", "expected string"),
        ("api.JobCancelRequest", {"queue": 7}, "queue", "expected string, got number"),
        ("api.JobSetInfo", {"queuedJobs": 2**31}, "queuedJobs", "out of range"),
        ("api.JobSetInfo", {"queuedJobs": 1.5}, "queuedJobs", "not an integer"),
        ("api.JobSetInfo", {"queuedJobs": "3"}, "queuedJobs", "expected integer"),
        ("api.StreamingQueueGetRequest", {"num": -1}, "num", "out of range"),
        (
            "api.Job",
            {"compressedQueueOwnershipUserGroups": "***"},
            "compressedQueueOwnershipUserGroups",
            "invalid base64",
        ),
        ("api.Job", {"priority": "high"}, "priority", "expected number"),
        ("api.Job", {"priority": float("inf")}, "priority", "out of range"),
        ("api.Job", {"priority": 10**400}, "priority", "out of range"),
        ("api.JobSetFilter", {"states": ["RUNNIN"]}, "states[0]", "unknown JobState"),
        ("api.Queue", {"labels": {"a": 1}}, "labels[a]", "expected string"),
        (
            "api.Queue",
            {"permissions": [{"subjects": "x"}]},
            "permissions[0].subjects",
            "expected array",
        ),
        (
            "api.JobIngressInfoEvent",
            {"ingressAddresses": {"x": "a"}},
            "ingressAddresses[x]",
            "invalid integer map key",
        ),
        ("api.StreamingQueueMessage", {"Event": {"queue": []}}, "Event.queue", "expected object"),
        ("api.StreamingQueueMessage", {"Event": 3}, "Event", "expected object"),
        (
            SUBMIT,
            _item({"containers": [{"resources": {"limits": {"cpu": "1x"}}}]}),
            "jobRequestItems[0].podSpec.containers[0].resources.limits[cpu]",
            "invalid quantity",
        ),
        (
            SUBMIT,
            _item({"containers": [{"resources": {"limits": {"cpu": True}}}]}),
            "jobRequestItems[0].podSpec.containers[0].resources.limits[cpu]",
            "expected quantity",
        ),
        (
            SUBMIT,
            _item({"volumes": [{"emptyDir": {"sizeLimit": ""}}]}),
            "jobRequestItems[0].podSpec.volumes[0].emptyDir.sizeLimit",
            "invalid quantity",
        ),
        (
            SUBMIT,
            _item({"containers": [{"ports": [{"containerPort": "80"}]}]}),
            "jobRequestItems[0].podSpec.containers[0].ports[0].containerPort",
            "expected integer",
        ),
        (
            SUBMIT,
            _item({"containers": [{"livenessProbe": {"httpGet": {"port": 1.5}}}]}),
            "jobRequestItems[0].podSpec.containers[0].livenessProbe.httpGet.port",
            "not an integer",
        ),
        (
            "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta",
            {"creationTimestamp": "2024-13-01T00:00:00Z"},
            "creationTimestamp",
            "invalid RFC 3339",
        ),
        (
            "k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta",
            {"creationTimestamp": "2024-01-01"},
            "creationTimestamp",
            "invalid RFC 3339",
        ),
        ("api.Queue", [], "", "expected object, got array"),
        ("api.Queue", {UNKNOWN_KEY: "%%"}, UNKNOWN_KEY, "invalid base64"),
    ],
)
def test_wrong_values_raise_wire_decode_error(
    message: str, data: Any, path: str, text: str
) -> None:
    with pytest.raises(WireDecodeError) as caught:
        from_json(data, message_class(message))
    assert caught.value.path == path
    assert text in caught.value.message


def test_kubernetes_time_outside_go_range_cannot_be_encoded() -> None:
    meta = message_class("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta")
    with pytest.raises(WireDecodeError):
        to_json(meta(creationTimestamp={"seconds": 10**13}))


def _with_unknown(message: Any, raw: bytes) -> Any:
    return type(message).FromString(message.SerializeToString() + raw)


# Field 999, varint 5: no message of the schema has a field 999.
UNKNOWN_VARINT = b"\xb8\x3e\x05"


def test_unknown_fields_survive_a_trip_through_the_dict() -> None:
    pod_class = message_class("k8s.io.api.core.v1.PodSpec")
    container = _with_unknown(
        message_class("k8s.io.api.core.v1.Container")(name="c"), UNKNOWN_VARINT
    )
    pod = _with_unknown(pod_class(containers=[container]), UNKNOWN_VARINT)
    request = message_class(SUBMIT)(queue="q", job_request_items=[{"pod_specs": [pod]}])
    data = to_json(request, keep_unknown=True)
    spec = data["jobRequestItems"][0]["podSpecs"][0]
    assert UNKNOWN_KEY in spec and UNKNOWN_KEY in spec["containers"][0]
    back = from_json(data, type(request))
    assert back.SerializeToString() == request.SerializeToString()
    assert len(UnknownFieldSet(back.job_request_items[0].pod_specs[0].containers[0])) == 1


def test_unknown_fields_are_dropped_unless_asked_for() -> None:
    queue = _with_unknown(message_class("api.Queue")(name="q"), UNKNOWN_VARINT)
    assert to_json(queue) == {"name": "q"}
    assert to_json(queue, keep_unknown=True) == {"name": "q", UNKNOWN_KEY: "uD4F"}


def test_unknown_fields_inside_maps_and_inline_structs_survive() -> None:
    quantity_free = message_class("api.JobDetailsResponse")(job_details={"j": {"queue": "q"}})
    details = _with_unknown(quantity_free.job_details["j"], UNKNOWN_VARINT)
    quantity_free.job_details["j"].CopyFrom(details)
    volume = message_class("k8s.io.api.core.v1.Volume")(name="v")
    volume.volumeSource.CopyFrom(_with_unknown(volume.volumeSource, UNKNOWN_VARINT))
    for message in (quantity_free, volume):
        back = from_json(to_json(message, keep_unknown=True), type(message))
        assert back.SerializeToString() == message.SerializeToString()
