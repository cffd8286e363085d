"""Table tests of the Go-JSON shapes the REST gateway emits (armada-api.md §9.2)."""

from __future__ import annotations

from typing import Any

import pytest

from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pool import message_class


def cls(name: str) -> Any:
    return message_class(name)


def roundtrip(name: str, data: dict[str, Any]) -> dict[str, Any]:
    return to_json(from_json(data, cls(name)))


@pytest.mark.parametrize(
    ("message", "kwargs", "expected"),
    [
        (
            "api.JobSetRequest",
            {"errorIfMissing": True, "from_message_id": "1-0"},
            {"fromMessageId": "1-0", "errorIfMissing": True},
        ),
        ("api.ContainerStatus", {"exitCode": 137}, {"exitCode": 137}),
        ("api.QueuePreemptRequest", {"priorityClasses": ["a"]}, {"priorityClasses": ["a"]}),
        ("api.QueueCancelRequest", {"jobStates": [2]}, {"jobStates": [2]}),
        ("api.IngressConfig", {"use_clusterIP": True}, {"useClusterIP": True}),
        ("api.JobSubmitRequest", {"job_set_id": "s"}, {"jobSetId": "s"}),
        ("api.JobCancelRequest", {"job_ids": ["a"]}, {"jobIds": ["a"]}),
        (
            "api.Job",
            {"k8s_service": [{}], "k8s_ingress": [{}]},
            {"k8sIngress": [{}], "k8sService": [{}]},
        ),
        (
            "api.JobReprioritizeResponse",
            {"reprioritization_results": {"a": ""}},
            {"reprioritizationResults": {"a": ""}},
        ),
    ],
)
def test_json_names(message: str, kwargs: dict[str, Any], expected: dict[str, Any]) -> None:
    assert to_json(cls(message)(**kwargs)) == expected


def test_utilisation_keeps_go_field_names_and_quantity_strings() -> None:
    event = cls("api.JobUtilisationEvent")(
        MaxResourcesForPeriod={"cpu": {"string": "1500m"}},
        AvgResourcesForPeriod={"memory": {"string": "1Gi"}},
        total_cumulative_usage={"cpu": {"string": "3"}},
    )
    assert to_json(event) == {
        "MaxResourcesForPeriod": {"cpu": "1500m"},
        "totalCumulativeUsage": {"cpu": "3"},
        "AvgResourcesForPeriod": {"memory": "1Gi"},
    }


def test_api_zero_values_are_omitted() -> None:
    item = cls("api.JobSubmitRequestItem")(priority=0.0, namespace="", labels={}, pod_specs=[])
    assert to_json(item) == {}
    assert to_json(cls("api.Queue")(priority_factor=-0.0, cordoned=False)) == {}


def test_set_but_empty_api_message_is_an_empty_object() -> None:
    request = cls("api.JobSetCancelRequest")(filter={})
    assert to_json(request) == {"filter": {}}


def test_kubernetes_present_zero_values_are_written() -> None:
    container = cls("k8s.io.api.core.v1.Container")(name="", stdin=False, tty=True)
    assert to_json(container) == {"name": "", "stdin": False, "tty": True}
    assert to_json(cls("k8s.io.api.core.v1.Container")()) == {}


def test_enums_are_numbers_out_and_names_or_numbers_in() -> None:
    response = cls("api.JobStatusResponse")(job_states={"a": 2, "b": 0})
    assert to_json(response) == {"jobStates": {"a": 2, "b": 0}}
    decoded = from_json({"jobStates": {"a": "RUNNING", "b": 9}}, cls("api.JobStatusResponse"))
    assert dict(decoded.job_states) == {"a": 2, "b": 9}
    health = cls("api.HealthCheckResponse")(status=1)
    assert to_json(health) == {"status": 1}


def test_64_bit_integers_are_json_numbers_and_accepted_as_strings() -> None:
    pod = cls("k8s.io.api.core.v1.PodSpec")(activeDeadlineSeconds=2**40)
    assert to_json(pod) == {"activeDeadlineSeconds": 2**40}
    decoded = from_json({"activeDeadlineSeconds": "1099511627776"}, type(pod))
    assert decoded == pod


def test_bytes_are_base64() -> None:
    job = cls("api.Job")(compressed_queue_ownership_user_groups=b"\x00\xffab")
    assert to_json(job) == {"compressedQueueOwnershipUserGroups": "AP9hYg=="}
    assert from_json({"compressedQueueOwnershipUserGroups": "AP9hYg=="}, type(job)) == job


def test_timestamp_is_seconds_and_nanos_with_zeros_left_out() -> None:
    event = cls("api.JobQueuedEvent")
    assert to_json(event(created={"seconds": 5})) == {"created": {"seconds": 5}}
    assert to_json(event(created={"nanos": 7})) == {"created": {"nanos": 7}}
    assert to_json(event(created={})) == {"created": {}}
    assert from_json({"created": {"seconds": 5, "nanos": 7}}, event) == event(
        created={"seconds": 5, "nanos": 7}
    )


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("200m", "200m"),
        ("1Gi", "1Gi"),
        ("0.2", "0.2"),
        ("1e3", "1e3"),
        (2, "2"),
        (0.5, "0.5"),
        ("+.5E-2", "+.5E-2"),
        ("64Mi", "64Mi"),
        ("5.", "5."),
    ],
)
def test_quantities_are_strings_numbers_accepted_text_kept(given: Any, kept: str) -> None:
    resources = {"limits": {"cpu": given}}
    assert roundtrip("k8s.io.api.core.v1.ResourceRequirements", resources) == {
        "limits": {"cpu": kept}
    }


def test_int_or_string() -> None:
    action = cls("k8s.io.api.core.v1.HTTPGetAction")
    assert to_json(action(port={"type": 0, "intVal": 8080})) == {"port": 8080}
    assert to_json(action(port={"type": 1, "strVal": "http"})) == {"port": "http"}
    assert from_json({"port": "http"}, action).port.strVal == "http"
    assert from_json({"port": 0}, action) == action(port={"type": 0, "intVal": 0, "strVal": ""})


def test_kubernetes_time_is_rfc3339() -> None:
    meta = cls("k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta")
    stamped = meta(creationTimestamp={"seconds": 1704164645, "nanos": 0})
    assert to_json(stamped) == {"creationTimestamp": "2024-01-02T03:04:05Z"}
    assert from_json({"creationTimestamp": "2024-01-02T05:04:05+02:00"}, meta) == stamped
    early = meta(creationTimestamp={"seconds": -62135596800, "nanos": 0})
    assert to_json(early) == {"creationTimestamp": "0001-01-01T00:00:00Z"}


def test_map_int_keys_are_strings_sorted_as_go_sorts() -> None:
    event = cls("api.JobIngressInfoEvent")(ingress_addresses={10: "b", 9: "a"})
    out = to_json(event)
    assert out == {"ingressAddresses": {"10": "b", "9": "a"}}
    assert list(out["ingressAddresses"]) == ["10", "9"]
    assert from_json(out, type(event)) == event


def test_event_message_oneof_is_the_case_itself() -> None:
    message = cls("api.EventMessage")(lease_returned={"job_id": "j", "run_attempted": True})
    assert to_json(message) == {"leaseReturned": {"jobId": "j", "runAttempted": True}}
    empty_case = cls("api.EventMessage")(queued={})
    assert to_json(empty_case) == {"queued": {}}
    assert roundtrip("api.EventMessage", {"ingressInfo": {"podNumber": 1}}) == {
        "ingressInfo": {"podNumber": 1}
    }


def test_streaming_queue_message_oneof_has_the_event_wrapper() -> None:
    message = cls("api.StreamingQueueMessage")
    assert to_json(message(queue={"name": "q"})) == {"Event": {"queue": {"name": "q"}}}
    assert to_json(message(end={})) == {"Event": {"end": {}}}
    assert from_json({"Event": {"end": {}}}, message) == message(end={})
    assert from_json({"event": {"queue": {"name": "q"}}}, message) == message(queue={"name": "q"})
    assert from_json({"queue": {"name": "q"}}, message) == message(queue={"name": "q"})


def test_oneof_keeps_the_last_member_given() -> None:
    decoded = from_json({"queue": {"name": "q"}, "end": {}}, cls("api.StreamingQueueMessage"))
    assert decoded.WhichOneof("event") == "end"


@pytest.mark.parametrize(
    ("message", "data"),
    [
        ("k8s.io.api.core.v1.Volume", {"name": "v", "emptyDir": {"medium": "Memory"}}),
        (
            "k8s.io.api.core.v1.Volume",
            {"name": "c", "configMap": {"name": "cfg", "defaultMode": 420}},
        ),
        ("k8s.io.api.core.v1.Probe", {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 3}),
        ("k8s.io.api.core.v1.EnvVarSource", {"secretKeyRef": {"name": "s", "key": "k"}}),
        ("k8s.io.api.core.v1.EnvFromSource", {"configMapRef": {"name": "m"}}),
        ("k8s.io.api.networking.v1.IngressRule", {"host": "h", "http": {"paths": [{"path": "/"}]}}),
    ],
)
def test_inline_structs_are_flattened(message: str, data: dict[str, Any]) -> None:
    assert roundtrip(message, data) == data


def test_inline_struct_fields_land_in_the_embedded_message() -> None:
    volume = from_json({"name": "v", "EMPTYDIR": {}}, cls("k8s.io.api.core.v1.Volume"))
    assert volume.volumeSource.HasField("emptyDir")
    bare = from_json({"name": "v"}, cls("k8s.io.api.core.v1.Volume"))
    assert bare.HasField("volumeSource")  # Go embeds it by value: always present


def test_decoding_is_case_insensitive_takes_proto_names_ignores_unknown_keys() -> None:
    request = cls("api.JobSubmitRequest")
    decoded = from_json(
        {"QUEUE": "q", "job_set_id": "s", "jobrequestitems": [{"Priority": 2}], "extra": [1]},
        request,
    )
    assert decoded == request(queue="q", job_set_id="s", job_request_items=[{"priority": 2}])


def test_null_means_unset() -> None:
    request = cls("api.JobSetCancelRequest")
    decoded = from_json({"queue": None, "filter": None, "jobSetId": "s"}, request)
    assert decoded == request(job_set_id="s")
    assert not decoded.HasField("filter")
    listed = from_json({"jobIds": ["a", None]}, cls("api.JobCancelRequest"))
    assert list(listed.job_ids) == ["a", ""]


def test_lone_surrogates_become_replacement_characters() -> None:
    decoded = from_json({"name": "a\ud800b"}, cls("api.Queue"))
    assert decoded.name == "a\ufffdb"


def test_retry_action_uses_short_names_both_ways() -> None:
    rule = cls("api.RetryRule")
    assert to_json(rule(action=1)) == {"action": "Fail"}
    assert to_json(rule(action=2)) == {"action": "Retry"}
    assert to_json(rule(action=0)) == {}
    for given in ("Retry", "retry", "RETRY_ACTION_RETRY", 2):
        assert from_json({"action": given}, rule) == rule(action=2)


def test_enum_numbers_outside_the_enum_pass_through_for_the_core_to_judge() -> None:
    assert from_json({"states": [11]}, cls("api.JobSetFilter")).states == [11]
    assert to_json(cls("api.RetryRule")(action=9)) == {"action": 9}
    with pytest.raises(WireDecodeError):
        from_json({"states": ["ELEVEN"]}, cls("api.JobSetFilter"))
