"""scheduling_resource_requirements (§5.4): sums, native sidecars and classic init
containers, as canonical text."""

from __future__ import annotations

from submission_support import build, item, pod

from armada_core.jobs import ResourceRequirements
from armada_core.submission import SubmissionConfig, scheduling_resource_requirements


def box(name: str, restart: str | None = None, **amounts: str) -> dict[str, object]:
    resources = {key.replace("_", "-"): value for key, value in amounts.items()}
    result: dict[str, object] = {
        "name": name,
        "resources": {"requests": resources, "limits": dict(resources)},
    }
    if restart:
        result["restartPolicy"] = restart
    return result


def requests_of(spec: dict[str, object]) -> dict[str, str]:
    return dict(scheduling_resource_requirements(spec).requests)


def test_regular_containers_add_up() -> None:
    spec = pod(box("a", cpu="100m", memory="512Mi"), box("b", cpu="0.1", memory="512Mi"))
    assert scheduling_resource_requirements(spec) == ResourceRequirements(
        requests={"cpu": "200m", "memory": "1Gi"}, limits={"cpu": "200m", "memory": "1Gi"}
    )


def test_native_sidecars_add_to_the_totals() -> None:
    spec = pod(box("a", cpu="1"), initContainers=[box("side", "Always", cpu="500m")])
    assert requests_of(spec) == {"cpu": "1500m"}


def test_classic_init_containers_only_raise_the_totals() -> None:
    smaller = pod(box("a", cpu="1"), initContainers=[box("init", cpu="500m")])
    larger = pod(box("a", cpu="1"), initContainers=[box("init", cpu="3")])
    assert requests_of(smaller) == {"cpu": "1"}
    assert requests_of(larger) == {"cpu": "3"}


def test_init_containers_are_walked_in_order() -> None:
    classic_first = pod(
        box("a", cpu="1"), initContainers=[box("init", cpu="3"), box("side", "Always", cpu="1")]
    )
    sidecar_first = pod(
        box("a", cpu="1"), initContainers=[box("side", "Always", cpu="1"), box("init", cpu="3")]
    )
    assert requests_of(classic_first) == {"cpu": "4"}
    assert requests_of(sidecar_first) == {"cpu": "3"}


def test_resources_only_in_init_containers() -> None:
    spec = pod(box("a", cpu="1"), initContainers=[box("init", ephemeral_storage="1Gi")])
    assert requests_of(spec) == {"cpu": "1", "ephemeral-storage": "1Gi"}


def test_zero_amounts() -> None:
    # A classic init container's zero is not greater than "nothing"; a sidecar adds it.
    classic = pod(box("a", cpu="1"), initContainers=[box("init", gpu="0")])
    sidecar = pod(box("a", cpu="1"), initContainers=[box("side", "Always", gpu="0")])
    assert requests_of(classic) == {"cpu": "1"}
    assert requests_of(sidecar) == {"cpu": "1", "gpu": "0"}


def test_sums_keep_the_first_format() -> None:
    spec = pod(box("a", memory="1G"), box("b", memory="1Gi"))
    assert requests_of(spec) == {"memory": "2073741824"}


def test_limits_are_totalled_separately() -> None:
    spec = pod({"name": "a", "resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "2"}}})
    requirements = scheduling_resource_requirements(spec)
    assert (dict(requirements.requests), dict(requirements.limits)) == ({"cpu": "1"}, {"cpu": "2"})


def test_jobs_carry_the_requirements_of_their_defaulted_pod() -> None:
    job = build(item(pod(box("a", cpu="0.25", memory="64Mi"))))
    expected = {"cpu": "250m", "memory": "64Mi", "ephemeral-storage": "8Gi"}
    assert job.scheduling_resource_requirements == ResourceRequirements(expected, expected)
    bare = SubmissionConfig(default_job_limits={})
    assert build(item(pod({"name": "a"})), bare).scheduling_resource_requirements == (
        ResourceRequirements({}, {})
    )
