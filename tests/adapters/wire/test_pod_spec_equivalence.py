"""`UpbPodSpec` (pod specs as the request's protobuf messages) against the JSON dict path
it replaced: the same rule fields, the same defaulted pod, the same `api.Job`.

The dict path is what the submit path did before: `to_json` of the message (unknown
fields carried along), a `KubePodSpec` over it, `apply_to_kube` for the defaults.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from google.protobuf.unknown_fields import UnknownFieldSet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from armada_adapters.wire.convert.jobs import job_message
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pod_spec import (
    CONTAINER_RULE_FIELDS,
    POD_RULE_FIELDS,
    UpbPodSpec,
    apply_to_message,
)
from armada_adapters.wire.pool import message_class
from armada_core.commands import JobSubmitItem
from armada_core.jobs import KubeObject
from armada_core.kube_pod import KubePodSpec
from armada_core.quantity import Quantity
from armada_core.submission import SubmissionConfig, build_job
from armada_core.submission.defaults import defaults_patch
from armada_core.submission.patch import PodPatch, apply_to_kube

POD_SPEC = message_class("k8s.io.api.core.v1.PodSpec")
JOB = message_class("api.Job")
JOB_ID = "01hq3z5w9k8m2n4p6r7s9t0v1x"
# Fields our schema lacks (numbers 999 and 998, varints), as a newer client may send.
UNKNOWN_POD = b"\xb8\x3e\x07"
UNKNOWN_CONTAINER = b"\xb0\x3e\x05"

RESOURCES = ("cpu", "memory", "nvidia.com/gpu", "ephemeral-storage")
QUANTITIES = ("0.5", "1000m", "1e3", "1", "2", "0", "100m", "250m", "1Gi", "512Mi", "1.5G")
NAMES = st.text("abcxyz-", min_size=0, max_size=4)


def _resource_list() -> st.SearchStrategy[dict[str, str]]:
    return st.dictionaries(st.sampled_from(RESOURCES), st.sampled_from(QUANTITIES), max_size=3)


def _resources() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {}, optional={"requests": _resource_list(), "limits": _resource_list()}
    )


def _port() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"containerPort": st.integers(1, 65535)},
        optional={"name": NAMES, "protocol": st.sampled_from(["TCP", "UDP"])},
    )


def _container(init: bool) -> st.SearchStrategy[dict[str, Any]]:
    optional: dict[str, st.SearchStrategy[Any]] = {
        "name": NAMES,
        "image": st.just("busybox"),
        "args": st.lists(NAMES, max_size=2),
        "resources": _resources(),
        "ports": st.lists(_port(), max_size=2),
        "env": st.lists(st.fixed_dictionaries({"name": NAMES, "value": NAMES}), max_size=1),
    }
    if init:
        optional["restartPolicy"] = st.sampled_from(["Always", ""])
    return st.fixed_dictionaries({}, optional=optional)


def _toleration() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {},
        optional={
            "key": NAMES,
            "operator": st.sampled_from(["Equal", "Exists"]),
            "value": NAMES,
            "effect": st.sampled_from(["NoSchedule", "NoExecute", ""]),
            "tolerationSeconds": st.integers(0, 100),
        },
    )


def _affinity() -> st.SearchStrategy[dict[str, Any]]:
    expression = st.fixed_dictionaries(
        {"key": NAMES, "operator": st.sampled_from(["In", "NotIn", "Exists"])},
        optional={"values": st.lists(NAMES, max_size=2)},
    )
    term = st.fixed_dictionaries({"matchExpressions": st.lists(expression, max_size=2)})
    required = st.fixed_dictionaries({"nodeSelectorTerms": st.lists(term, max_size=2)})
    preferred = st.lists(
        st.fixed_dictionaries({"weight": st.integers(1, 100), "preference": term}), max_size=1
    )
    node = st.fixed_dictionaries(
        {},
        optional={
            "requiredDuringSchedulingIgnoredDuringExecution": required,
            "preferredDuringSchedulingIgnoredDuringExecution": preferred,
        },
    )
    return st.fixed_dictionaries({}, optional={"nodeAffinity": node})


def pod_specs() -> st.SearchStrategy[KubeObject]:
    """Kubernetes JSON pod specs as clients write them (non-canonical quantities too)."""
    return st.fixed_dictionaries(
        {"containers": st.lists(_container(init=False), min_size=1, max_size=3)},
        optional={
            "initContainers": st.lists(_container(init=True), max_size=2),
            "priorityClassName": st.sampled_from(["", "armada-default", "armada-preemptible"]),
            "terminationGracePeriodSeconds": st.sampled_from([0, 1, 30, 600]),
            "activeDeadlineSeconds": st.sampled_from([0, 10, 3600]),
            "nodeSelector": st.dictionaries(NAMES, NAMES, max_size=2),
            "tolerations": st.lists(_toleration(), max_size=2),
            "affinity": _affinity(),
            "restartPolicy": st.just("Never"),
            "serviceAccountName": NAMES,
        },
    )


def message_of(spec: KubeObject, unknown: bool) -> Any:
    """The message a client sends for `spec`, with fields our schema lacks if `unknown`."""
    message = from_json(spec, POD_SPEC)
    if unknown:
        message.MergeFromString(UNKNOWN_POD)
        message.containers[0].MergeFromString(UNKNOWN_CONTAINER)
    return message


def rule_subset(kube: KubeObject) -> KubeObject:
    """The rule fields of a pod's Kubernetes JSON (`PodSpec.rules()`'s promise)."""
    out = {k: v for k, v in kube.items() if k in POD_RULE_FIELDS}
    for key in ("containers", "initContainers"):
        if key in out:
            out[key] = [
                {k: v for k, v in c.items() if k in CONTAINER_RULE_FIELDS} for c in out[key]
            ]
    return out


def configs() -> st.SearchStrategy[SubmissionConfig]:
    return st.builds(
        SubmissionConfig,
        default_priority_class_name=st.sampled_from(["", "armada-default"]),
        default_job_limits=st.sampled_from(
            [{}, {"cpu": Quantity.parse("1"), "memory": Quantity.parse("1Gi")}]
        ),
        min_termination_grace_period=st.sampled_from([timedelta(0), timedelta(seconds=1)]),
        default_active_deadline=st.sampled_from([timedelta(0), timedelta(hours=72)]),
        default_job_tolerations=st.lists(_toleration(), max_size=2).map(tuple),
    )


def _texts(spec: KubeObject, key: str) -> st.SearchStrategy[tuple[Any, ...]]:
    """Arbitrary container texts for a patch; never an empty list replacing a non-empty
    one (the JSON would keep `{}`, which protobuf maps cannot tell from absent, and the
    defaults never do it: they only add resources)."""
    containers = spec.get(key) or []

    def one(container: KubeObject) -> st.SearchStrategy[Any]:
        resources = container.get("resources") or {}
        lists = [
            _resource_list() if not resources.get(kind) else _resource_list().filter(bool)
            for kind in ("requests", "limits")
        ]
        return st.none() | st.tuples(*lists)  # None: the container as it is

    return st.one_of(st.just(()), st.tuples(*map(one, containers)))


@st.composite
def pods_and_patches(draw: st.DrawFn) -> tuple[KubeObject, PodPatch]:
    spec = draw(pod_specs())
    if draw(st.booleans()):
        config = draw(configs())
        patch, _ = defaults_patch(to_json(from_json(spec, POD_SPEC)), config)
        return spec, patch
    patch = PodPatch(
        active_deadline_seconds=draw(st.none() | st.integers(0, 10**6)),
        priority_class_name=draw(st.sampled_from(["", "armada-default"])),
        containers=draw(_texts(spec, "containers")),
        init_containers=draw(_texts(spec, "initContainers")),
        tolerations=tuple(draw(st.lists(_toleration(), max_size=3))),
        termination_grace_period_seconds=draw(st.none() | st.integers(0, 100)),
    )
    return spec, patch


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pod_specs(), st.booleans())
def test_rules_are_the_rule_fields_of_to_json(spec: KubeObject, unknown: bool) -> None:
    message = message_of(spec, unknown)
    assert UpbPodSpec(message).rules() == rule_subset(to_json(message))
    assert UpbPodSpec(data=message.SerializeToString()).rules() == rule_subset(to_json(message))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pods_and_patches(), st.booleans())
def test_patched_is_apply_to_kube(case: tuple[KubeObject, PodPatch], unknown: bool) -> None:
    spec, patch = case
    message = message_of(spec, unknown)
    before = message.SerializeToString()
    original = UpbPodSpec(message)
    original.rules()  # known before the patch: the patched spec's rules are patched too
    patched = original.patched(patch)
    assert patched.kube() == apply_to_kube(to_json(message), patch)
    assert patched.rules() == UpbPodSpec(patched.message).rules()
    assert message.SerializeToString() == before  # the request's message is left alone
    assert patched.size() == patched.message.ByteSize() == len(patched.encoded())
    if unknown:
        again = POD_SPEC.FromString(patched.encoded())
        assert len(UnknownFieldSet(again)) == 1
        assert len(UnknownFieldSet(again.containers[0])) == 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pods_and_patches(), st.booleans(), st.booleans())
def test_appended_patch_is_the_patched_message(
    case: tuple[KubeObject, PodPatch], unknown: bool, as_they_are: bool
) -> None:
    """The pod's own bytes with the set fields appended (then, if the patch changes
    containers, parsed and those changed): the same message as patching a copy,
    unknown fields included."""
    spec, patch = case
    if as_they_are:
        patch = dataclasses.replace(
            patch,
            containers=tuple(None for _ in patch.containers),
            init_containers=tuple(None for _ in patch.init_containers),
        )
    message = message_of(spec, unknown)
    fast = UpbPodSpec(message).patched(patch)
    slow = POD_SPEC()
    slow.CopyFrom(message)
    apply_to_message(slow, patch)
    again = POD_SPEC.FromString(fast.encoded())
    assert again == slow
    assert again.SerializeToString(deterministic=True) == slow.SerializeToString(deterministic=True)
    assert fast.size() == slow.ByteSize() == len(fast.encoded())
    assert len(UnknownFieldSet(again)) == len(UnknownFieldSet(slow)) == int(unknown)
    for ours, theirs in zip(again.containers, slow.containers, strict=True):
        assert len(UnknownFieldSet(ours)) == len(UnknownFieldSet(theirs))
    if as_they_are and not (
        message.HasField("priorityClassName") or message.HasField("terminationGracePeriodSeconds")
    ):
        assert fast._message is None  # the appended path: bytes only, no copy


def test_appended_patch_follows_the_pods_own_fields() -> None:
    toleration = {"key": "t", "operator": "Exists"}
    patch = PodPatch(
        active_deadline_seconds=60,
        priority_class_name="armada-default",
        containers=(None,),
        tolerations=(toleration,),
        termination_grace_period_seconds=1,
    )
    bare = {"containers": [{"name": "c"}], "tolerations": [{"key": "own"}]}
    own = {**bare, "activeDeadlineSeconds": 5, "priorityClassName": "x"}
    for pod in (bare, own, {**bare, "terminationGracePeriodSeconds": 0}):
        patched = UpbPodSpec(from_json(pod, POD_SPEC)).patched(patch)
        assert UpbPodSpec(data=patched.encoded()).kube() == apply_to_kube(pod, patch)


def _items(spec: KubeObject, message: Any, labels: dict[str, str]) -> tuple[JobSubmitItem, ...]:
    common: dict[str, Any] = {
        "namespace": "ns",
        "priority": 3,
        "labels": labels,
        "annotations": {"armadaproject.io/externalJobUri": "uri-{JobId}"},
    }
    kube = KubePodSpec(to_json(message, keep_unknown=True))  # what the old path handed on
    return JobSubmitItem(pod_spec=UpbPodSpec(message), **common), JobSubmitItem(
        pod_spec=kube, **common
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pod_specs(),
    configs(),
    st.booleans(),
    st.dictionaries(NAMES, st.sampled_from(["{JobId}", "a-{JobId}", "{{JobId}}", "x"]), max_size=2),
)
def test_build_job_gives_the_same_api_job(
    spec: KubeObject, config: SubmissionConfig, unknown: bool, labels: dict[str, str]
) -> None:
    message = message_of(spec, unknown)
    upb, kube = _items(spec, message, labels)

    def encoded(item: JobSubmitItem) -> Any:
        job = build_job(
            item,
            job_id=JOB_ID,
            queue="q",
            job_set_id="s",
            owner="o",
            groups=("g",),
            created_ns=1_700_000_000_123_456_789,
            config=config,
        )
        message = JOB()
        job_message(job, message)  # as events carry it: the pod spec's own bytes
        return job, message

    (upb_job, upb_message), (kube_job, kube_message) = encoded(upb), encoded(kube)
    assert upb_message == kube_message
    assert upb_message.SerializeToString(deterministic=True) == kube_message.SerializeToString(
        deterministic=True
    )
    assert upb_job.labels == kube_job.labels and upb_job.external_job_uri == f"uri-{JOB_ID}"
    assert upb_job.pod_spec == to_json(kube_message.pod_spec)  # unknown fields: bytes only
    assert upb_job.scheduling_resource_requirements == kube_job.scheduling_resource_requirements
    if unknown:  # the job's own bytes keep what our schema does not know
        again = POD_SPEC.FromString(upb_job.spec.encoded() or b"")
        assert len(UnknownFieldSet(again)) == 1
        assert len(UnknownFieldSet(again.containers[0])) == 1


def test_toleration_messages_follow_the_tolerations_content() -> None:
    toleration: dict[str, Any] = {"key": "a", "operator": "Exists"}
    patch = PodPatch(tolerations=(toleration,))
    spec = UpbPodSpec(from_json({"containers": [{"name": "c"}]}, POD_SPEC))
    assert spec.patched(patch).kube()["tolerations"] == [{"key": "a", "operator": "Exists"}]
    toleration["key"] = "b"  # the same object, changed: converted again
    assert spec.patched(patch).kube()["tolerations"] == [{"key": "b", "operator": "Exists"}]
