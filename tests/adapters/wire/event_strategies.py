"""Hypothesis strategies for stored events: every kind, fields right or wrong, and
`submitted` events with their job and pod spec (random schema-shaped pod specs, and
Kubernetes JSON as clients write it, with non-canonical quantities, GPUs, init
containers, `{JobId}` templates, keys in other spellings, nulls and unknown protobuf
fields)."""

from __future__ import annotations

import base64
import dataclasses
from typing import Any

from hypothesis import strategies as st
from wire_strategies import MessageStrategies

from armada_adapters.wire.errors import WireDecodeError
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pod_spec import UpbPodSpec
from armada_adapters.wire.pool import message_class
from armada_core.events import Event, EventId, EventKind, StoredEvent
from armada_core.jobs import Job, ResourceRequirements
from armada_core.kube_pod import KubePodSpec

POD_SPEC = message_class("k8s.io.api.core.v1.PodSpec")
STRATEGIES = MessageStrategies()
ODD = st.sampled_from([None, True, 2**31, 2**64, -1, 1.5, float("nan"), "", "é", "\ud800", [1]])
TEXT = st.sampled_from(["", "a", "{JobId}", "x-{JobId}-y", "é", "\udc80"]) | st.text(max_size=4)
# A field our schema lacks (number 9999, varint 5), as `to_json(keep_unknown=True)` keeps it.
UNKNOWN = base64.b64encode(b"\xf8\xf0\x04\x05").decode()


def often(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`usual` nine times in ten (`one_of` alone would pick evenly)."""
    return st.integers(0, 9).flatmap(lambda n: usual if n else rare)


def _amount() -> st.SearchStrategy[Any]:
    canonical = st.sampled_from(["500m", "0.5", "1", "1Gi", "1024Mi", "2", "1e3", "0"])
    return often(canonical, st.sampled_from([1, 0.5, "x", None]))


def _resources() -> st.SearchStrategy[Any]:
    names = ["cpu", "memory", "nvidia.com/gpu", "ephemeral-storage"]
    amounts = st.dictionaries(st.sampled_from(names), _amount(), max_size=3)
    return st.fixed_dictionaries({}, optional={"requests": amounts, "limits": amounts})


def _container() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"name": st.sampled_from(["main", "side", "é"])},
        optional={
            "image": TEXT,
            "IMAGE": TEXT,  # Go matches keys case-insensitively
            "resources": _resources(),
            "args": st.lists(TEXT, max_size=2),
            "env": st.lists(st.fixed_dictionaries({"name": TEXT, "value": TEXT}), max_size=2),
            "securityContext": st.just({"runAsUser": 1000, "$unknown": UNKNOWN}),
            "ports": st.just([{"containerPort": 8080, "name": None}]),
            "$unknown": st.just(UNKNOWN),
        },
    )


def client_pods() -> st.SearchStrategy[dict[str, Any]]:
    """Pod specs as clients write them (and as the core keeps them after defaults)."""
    return st.fixed_dictionaries(
        {"containers": st.lists(_container(), min_size=1, max_size=2)},
        optional={
            "initContainers": st.lists(_container(), max_size=2),
            "priorityClassName": st.sampled_from(["armada-default", "", None]),
            "terminationGracePeriodSeconds": st.sampled_from([30, 0, None, "1"]),
            "activeDeadlineSeconds": st.sampled_from([60, None]),
            "nodeSelector": st.dictionaries(TEXT, TEXT, max_size=2),
            "tolerations": st.just([{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]),
            "restartPolicy": st.just("Never"),
            "$unknown": st.just(UNKNOWN),
            "unknownKey": st.just({"a": 1}),
        },
    )


def schema_pods() -> st.SearchStrategy[dict[str, Any]]:
    return STRATEGIES.kwargs(POD_SPEC.DESCRIPTOR).map(lambda kw: to_json(POD_SPEC(**kw)))


def jobs(pods: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[Job]:
    return st.builds(
        Job,
        id=st.sampled_from(["01hxyzjob", "", "é"]),
        queue=st.just("q"),
        job_set_id=st.just("s"),
        namespace=TEXT,
        owner=TEXT,
        groups=st.lists(TEXT, max_size=2).map(tuple),
        priority=st.sampled_from([0, 1, 7, 2**53]),
        created_ns=st.sampled_from([0, 1, 1_712_345_678_901_000_000]),
        spec=pods.map(KubePodSpec),
        client_id=TEXT,
        labels=st.dictionaries(TEXT, TEXT, max_size=2),
        annotations=st.dictionaries(TEXT, TEXT, max_size=2),
        scheduling_resource_requirements=st.builds(
            ResourceRequirements,
            st.dictionaries(st.sampled_from(["cpu", "nvidia.com/gpu"]), _amount(), max_size=2),
            st.dictionaries(st.just("memory"), _amount(), max_size=1),
        ),
        services=st.just(()) | st.just(({"metadata": {"name": "svc"}},)),
    )


def _fields(kind: EventKind) -> st.SearchStrategy[dict[str, Any]]:
    """The kind's own fields by proto name, values of their type or not; other names."""
    descriptor = message_class("api.EventMessage").DESCRIPTOR.fields_by_name[kind.value]
    own = [f.name for f in descriptor.message_type.fields[4:] if f.name != "job"]
    plain = st.integers(-3, 3) | st.booleans() | TEXT | st.floats(allow_nan=False, width=32)
    values = plain | ODD
    typed = st.dictionaries(st.sampled_from(own), values, max_size=3) if own else st.just({})
    return typed | st.dictionaries(st.sampled_from([*own, "unknown", "JOB_ID"]), values, max_size=2)


@st.composite
def stored_events(draw: st.DrawFn) -> StoredEvent:
    kind = draw(often(st.just(EventKind.SUBMITTED), st.sampled_from(list(EventKind))))
    job = None
    if kind is EventKind.SUBMITTED:
        job = draw(often(jobs(client_pods()) | jobs(schema_pods()), st.none()))
    event = Event(
        kind,
        draw(often(st.just("j1"), st.sampled_from(["", "é", "\udc80"]))),
        draw(often(st.just(1_712_345_678_901_000_000), st.sampled_from([0, 5, 2**70]))),
        draw(often(st.just({}), _fields(kind)) if job else _fields(kind)),
        job=job,
    )
    event_id = EventId(draw(st.integers(0, 2**40)), draw(st.integers(0, 3)), 0, draw(st.booleans()))
    queue = draw(often(st.just("q"), st.just("é")))
    return StoredEvent(event_id, queue, draw(often(st.just("s"), st.just(""))), event)


def stored_bytes_twins(job: Job) -> tuple[Job, Job] | None:
    """The job with its pod spec as stored bytes (`UpbPodSpec`), and the same job with
    that pod spec as a Kubernetes dict keeping its unknown fields (what the dict path
    sent); None if the pod spec is not one a submit would have stored."""
    try:
        # Once through the dict: the bytes then say nothing the dict cannot (an empty
        # quantity, which the dict writes as "0", is sent as it was stored).
        message = from_json(to_json(from_json(job.pod_spec, POD_SPEC), keep_unknown=True), POD_SPEC)
    except WireDecodeError:
        return None
    stored = UpbPodSpec(data=message.SerializeToString())
    twin = KubePodSpec(to_json(message, keep_unknown=True))
    return dataclasses.replace(job, spec=stored), dataclasses.replace(job, spec=twin)
