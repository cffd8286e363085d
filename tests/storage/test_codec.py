"""The SQL backends' JSON round-trips every field of queues and jobs (events: `test_event_rows`)."""

from __future__ import annotations

import json
import math
from types import MappingProxyType

from hypothesis import given
from hypothesis import strategies as st

from armada_core.jobs import Job, ResourceRequirements
from armada_core.kube_pod import KubePodSpec
from armada_core.queues import (
    PoolResourceLimits,
    PriorityClassResourceLimits,
    Queue,
    QueuePermission,
    Subject,
)
from armada_storage import _codec as codec

text = st.text(max_size=8)
names = st.dictionaries(text, text, max_size=3)
fractions = st.dictionaries(text, st.floats(allow_nan=False), max_size=3)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=12,
)
kube = st.dictionaries(text, json_values, max_size=4)

queues = st.builds(
    Queue,
    name=text,
    priority_factor=st.floats(allow_nan=False),
    permissions=st.lists(
        st.builds(
            QueuePermission,
            subjects=st.lists(st.builds(Subject, text, text), max_size=3).map(tuple),
            verbs=st.lists(text, max_size=3).map(tuple),
        ),
        max_size=3,
    ).map(tuple),
    resource_limits_by_priority_class_name=st.dictionaries(
        text,
        st.builds(
            PriorityClassResourceLimits,
            maximum_resource_fraction=fractions,
            maximum_resource_fraction_by_pool=st.dictionaries(
                text, st.builds(PoolResourceLimits, fractions), max_size=2
            ),
        ),
        max_size=2,
    ),
    cordoned=st.booleans(),
    labels=names,
    retry_policies=st.lists(text, max_size=2).map(tuple),
)

jobs = st.builds(
    Job,
    id=text,
    queue=text,
    job_set_id=text,
    namespace=text,
    owner=text,
    groups=st.lists(text, max_size=3).map(tuple),
    priority=st.integers(0, 2**32),
    created_ns=st.integers(0, 2**63),
    spec=kube.map(KubePodSpec),
    client_id=text,
    labels=names,
    annotations=names,
    scheduling_resource_requirements=st.builds(ResourceRequirements, names, names),
    external_job_uri=text,
    services=st.lists(kube, max_size=2).map(tuple),
    ingresses=st.lists(kube, max_size=2).map(tuple),
)


@given(queues)
def test_queues_round_trip(queue: Queue) -> None:
    assert codec.queue_from_json(codec.queue_to_json(queue)) == queue


@given(jobs)
def test_jobs_round_trip(job: Job) -> None:
    """A job row's JSON holds all of the job but its pod spec (stored as bytes beside)."""
    text = codec.job_to_json(job)
    assert "pod_spec" not in codec.load(text)
    assert codec.job_from_json(text, job.spec) == job
    assert codec.job_from_dict(codec.job_to_dict(job)) == job  # an event's embedded job


def test_a_job_row_keeps_the_priority_class_where_sql_reads_it() -> None:
    job = Job(
        id="j", queue="q", job_set_id="s", namespace="n", owner="o", groups=(),
        priority=0, created_ns=0, spec=KubePodSpec({"priorityClassName": "high"}),
    )  # fmt: skip
    stored = codec.load(codec.job_to_json(job))
    assert [stored[key] for key in codec.PRIORITY_CLASS_KEYS] == ["high"]
    unnamed = codec.load(codec.job_to_json(Job(**{**_fields(job), "spec": KubePodSpec({})})))
    assert [unnamed[key] for key in codec.PRIORITY_CLASS_KEYS] == [""]


def _fields(job: Job) -> dict[str, object]:
    return {name: getattr(job, name) for name in job.__dataclass_fields__}


def test_the_json_is_compact_and_readable() -> None:
    data = codec.queue_to_json(Queue("q", labels={"ü": "x"}))
    assert " " not in data
    assert json.loads(data)["labels"] == {"ü": "x"}
    assert "ü" in data


def test_read_only_mappings_encode_as_objects() -> None:
    job_labels = MappingProxyType({"a": "b"})
    queue = Queue("q", labels=job_labels)
    assert codec.queue_from_json(codec.queue_to_json(queue)).labels == {"a": "b"}


def test_nan_survives_as_nan() -> None:
    text = codec.encode({"x": float("nan")})
    assert math.isnan(codec.load(text)["x"])


def test_non_text_keys_are_written_as_the_stdlib_writes_them() -> None:
    assert codec.load(codec.encode({"a": {1: "b"}})) == json.loads(json.dumps({"a": {1: "b"}}))


def test_ordinary_values_are_written_by_orjson_and_read_back_equal() -> None:
    value = {"k": [1, 2.5, True, "ü", {"n": 2**64 - 1}], "t": ("a", "b")}
    text = codec.encode(value)
    assert not text.startswith(" ")
    assert codec.load(text) == {"k": [1, 2.5, True, "ü", {"n": 2**64 - 1}], "t": ["a", "b"]}


def test_rows_of_earlier_versions_still_read() -> None:
    legacy = json.dumps({"x": float("inf"), "y": [1, 2]}, separators=(",", ":"))
    assert codec.load(legacy) == {"x": float("inf"), "y": [1, 2]}
