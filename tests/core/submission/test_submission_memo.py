"""The per-config memo of pod resources: a remembered answer is always the fresh one.

Every other submission test uses a fresh `SubmissionConfig`, i.e. an empty memo; here
the same configs serve many pods, so answers come from the memo, and each is compared
with the one a fresh copy of the config (an empty memo) gives.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from submission_support import build, container, item, pod, rejection, submit

from armada_core.errors import InvalidArgument
from armada_core.quantity import Quantity
from armada_core.submission import SubmissionConfig
from armada_core.submission.defaults import defaults_patch, plan_of, pod_plan
from armada_core.submission.memo import Memo, is_plain, pod_key
from armada_core.submission.patch import apply_to_kube

# Shared on purpose: their memos fill up across examples.
CONFIGS = (
    SubmissionConfig(),
    SubmissionConfig(
        max_oversubscription_by_resource_request={"cpu": 2.0},
        min_job_resources={"cpu": Quantity.parse("100m")},
        default_job_limits={"cpu": Quantity.parse("2"), "nvidia.com/gpu": Quantity.parse("0")},
        assert_init_containers_request_fractional_cpu=False,
        default_active_deadline=timedelta(0),
        default_active_deadline_by_resource_request={"cpu": timedelta(seconds=-0.5)},
        default_job_tolerations_by_resource_request={"cpu": ({"key": "c"},)},
    ),
)

# Odd values now and then: numbers, bad text, unhashable; mostly sensible amounts, so
# that most pods pass validation and get built.
ODD: list[Any] = ["-1", "x", "", "1", "0", 1, 1.0, 2, 0.5, True, 10**20, 1e20, None, ["1"]]
AMOUNTS = {
    "cpu": ["500m", "0.5", "100m", "250m"],
    "memory": ["1Gi", "1024Mi", "100Mi"],
    "nvidia.com/gpu": ["1", "0", "2"],
    "ephemeral-storage": ["1Gi", "8Gi"],
}


def amounts(name: str) -> st.SearchStrategy[Any]:
    return st.sampled_from(AMOUNTS[name] * 30 + ODD)


def often(usual: st.SearchStrategy[Any], *rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`usual` nine times in ten (`one_of` alone would pick uniformly)."""
    choices = [usual] * 9 + list(rare)
    return st.integers(0, len(choices) - 1).flatmap(lambda n: choices[n])


resource_lists = often(
    st.fixed_dictionaries(
        {"cpu": amounts("cpu"), "memory": amounts("memory")},
        optional={name: amounts(name) for name in ("nvidia.com/gpu", "ephemeral-storage")},
    ),
    st.fixed_dictionaries({}, optional={name: amounts(name) for name in AMOUNTS}),
    st.none(),
)


@st.composite
def boxes(draw: st.DrawFn, init: bool = False) -> dict[str, Any]:
    requests = draw(resource_lists)
    limits = draw(often(st.just(requests), resource_lists))
    box: dict[str, Any] = {"name": draw(st.sampled_from(["a", "b"]))}
    shape = draw(st.sampled_from(["both"] * 40 + ["requests", "limits", "empty", "none", "absent"]))
    if shape == "both":
        box["resources"] = {"requests": requests, "limits": limits}
    elif shape in ("requests", "limits"):
        box["resources"] = {shape: requests}
    elif shape != "absent":
        box["resources"] = {} if shape == "empty" else None
    if init and draw(st.booleans()):
        box["restartPolicy"] = "Always"
    return box


pods = st.builds(
    lambda regular, init: pod(*regular, **({"initContainers": init} if init else {})),
    st.lists(boxes(), min_size=1, max_size=2),
    st.lists(boxes(init=True), max_size=2),
)


def outcome(action: Any) -> Any:
    try:
        return action()
    except Exception as error:  # the very same failure is expected either way
        return type(error), str(error)


def assert_fresh_answers(spec: dict[str, Any], config: SubmissionConfig) -> None:
    """Validation and build under `config` answer as under a copy with an empty memo."""
    fresh = dataclasses.replace(config)
    job_item = item(spec)
    assert rejection(submit(job_item), config) == rejection(submit(job_item), fresh)
    assert outcome(lambda: build(job_item, config)) == outcome(lambda: build(job_item, fresh))


@settings(max_examples=300)
@given(spec=pods, which=st.sampled_from(range(len(CONFIGS))))
def test_remembered_answers_equal_fresh_ones(spec: dict[str, Any], which: int) -> None:
    for _ in range(2):  # the second round certainly answers from the memo
        assert_fresh_answers(spec, CONFIGS[which])


def limited(cpu: str, limit: str) -> dict[str, Any]:
    box = container(cpu=cpu)
    box["resources"]["limits"]["cpu"] = limit
    return box


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (pod(container()), pod(limited("1", "2"))),  # only the limits differ
        (pod(limited("1", "2")), pod(container())),
        (
            pod(container(), initContainers=[container("i", cpu="0.5")]),
            pod(container(), initContainers=[container("i", cpu="0.5", restartPolicy="Always")]),
        ),
        (
            pod(container(), container("b", cpu="0.5")),
            pod(container(), initContainers=[container("b", cpu="0.5")]),
        ),
        (pod(container(cpu="2")), pod(container(cpu="2"), initContainers=[container("i")])),
    ],
)
def test_pods_differing_in_what_the_rules_read_do_not_share_answers(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    config = SubmissionConfig(max_oversubscription_by_resource_request={"cpu": 2.0})
    assert_fresh_answers(first, config)
    assert_fresh_answers(second, config)  # after `first` filled the memo


def test_a_memo_answer_is_reused_for_equal_content_only() -> None:
    config = SubmissionConfig()
    first = build(item(pod(container(cpu="0.5"))), config)
    again = build(item(pod(container(cpu="500m"))), config)  # equal value, other text
    assert first.pod_spec["containers"][0]["resources"]["requests"]["cpu"] == "500m"
    assert again.pod_spec == first.pod_spec
    assert len(config.memo.plans) == 2


def test_jobs_never_share_dicts_with_the_memo() -> None:
    config = SubmissionConfig()
    spec = pod(container())
    first = build(item(spec), config)
    first.pod_spec["containers"][0]["resources"]["requests"]["cpu"] = "99"
    totals = first.scheduling_resource_requirements.requests
    assert isinstance(totals, dict)
    totals["cpu"] = "99"
    second = build(item(spec), config)
    assert second.pod_spec["containers"][0]["resources"]["requests"]["cpu"] == "1"
    assert second.scheduling_resource_requirements.requests["cpu"] == "1"


def test_only_plain_text_content_is_remembered() -> None:
    config = SubmissionConfig()
    for cpu in (1, 1.0, ["1"]):
        outcome(lambda cpu=cpu: build(item(pod(container(cpu=cpu))), config))
        outcome(lambda cpu=cpu: rejection(submit(item(pod(container(cpu=cpu)))), config))
    assert len(config.memo.plans) == 0 and len(config.memo.passed) == 0
    key = pod_key(pod(container()))
    assert key is not None and is_plain(key)


def test_unusually_large_resources_are_not_remembered() -> None:
    config = SubmissionConfig()
    many = {f"example.com/r{n}": "1" for n in range(200)}
    long_name = {"example.com/" + "r" * 5000: "1"}
    for extra in (many, long_name):
        resources = {"cpu": "1", "memory": "1Gi", **extra}
        box = {"name": "main", "resources": {"requests": resources, "limits": resources}}
        spec = pod(box)
        assert rejection(submit(item(spec)), config) is None
        build(item(spec), config)
    assert len(config.memo.plans) == 0 and len(config.memo.passed) == 0


def test_pods_that_are_not_json_objects_have_no_key() -> None:
    assert pod_key({"containers": ["main"]}) is None
    assert pod_key({"containers": 5}) is None
    assert pod_key({"containers": [{"resources": ["cpu"]}]}) is None


def test_a_failing_pod_is_never_remembered_as_passing() -> None:
    config = SubmissionConfig()
    bad = submit(item(pod(container(cpu="-1"))))
    message = "container main defines negative resource request (-1) for resource cpu"
    for _ in range(2):
        assert rejection(bad, config) == message
    assert len(config.memo.passed) == 0


def test_a_full_memo_starts_over() -> None:
    memo: Memo[int] = Memo(size=2)
    keys = [pod_key(pod(container(cpu=str(n)))) for n in range(3)]
    for n, key in enumerate(keys):
        memo.put(key, n)
    assert len(memo) == 1 and memo.get(keys[2]) == 2 and memo.get(keys[0]) is None


def test_the_plan_is_the_one_worked_out_afresh() -> None:
    config = SubmissionConfig()
    spec = pod(container(cpu="0.1"), initContainers=[container("side", restartPolicy="Always")])
    assert pod_plan(spec, config) is pod_plan(spec, config)
    assert pod_plan(spec, config) == plan_of(spec, config)


def test_containers_holding_their_texts_are_left_as_they_are() -> None:
    config = SubmissionConfig()
    storage = {"ephemeral-storage": "8Gi"}  # the default the others lack
    full = container("full", cpu="1", memory="1Gi")
    for kind in ("requests", "limits"):
        full["resources"][kind].update(storage)
    spec = pod(full, container("short", cpu="0.5"))
    plan = pod_plan(spec, config)
    assert plan.containers[0] is None  # already the canonical texts
    assert plan.containers[1] == ({**storage, "cpu": "500m", "memory": "1Gi"},) * 2
    patch, _ = defaults_patch(spec, config)
    assert defaults_patch(spec, config)[0] is patch  # one patch per plan and class name
    assert defaults_patch({**spec, "priorityClassName": "other"}, config)[0] is not patch
    defaulted = apply_to_kube(spec, patch)
    assert (
        defaulted["containers"][0] is full and defaulted["containers"][1] != spec["containers"][1]
    )


def test_the_memo_is_not_part_of_the_config_value() -> None:
    config = SubmissionConfig()
    build(item(), config)
    assert config == SubmissionConfig()
    assert "memo=" not in repr(config)
    assert len(dataclasses.replace(config).memo.plans) == 0


def test_invalid_quantities_fail_the_same_from_a_warm_memo() -> None:
    config = SubmissionConfig()
    build(item(), config)
    bad = item(pod(container(cpu="x")))
    for _ in range(2):
        assert outcome(lambda: build(bad, config))[0] is InvalidArgument
