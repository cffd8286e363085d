"""Inputs built from stored jobs and Kubernetes shapes."""

from __future__ import annotations

from dataclasses import replace

from scheduling_support import CPU, GI, node, one_pass, placed

from armada_core.jobs import Job, JobRecord, JobState, ResourceRequirements
from armada_core.kube_pod import KubePodSpec
from armada_core.scheduling import Taint, Toleration, queued_job
from armada_core.scheduling.matching import node_affinity_from_kube

SPEC = {
    "priorityClassName": "armada-preemptible",
    "nodeSelector": {"disk": "ssd"},
    "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
    "affinity": {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["b"]}]}
                ]
            }
        }
    },
    "containers": [{"name": "c"}],
}


def _record() -> JobRecord:
    job = Job(
        id="01job",
        queue="q",
        job_set_id="set",
        namespace="default",
        owner="me",
        groups=(),
        priority=3,
        created_ns=42,
        spec=KubePodSpec(SPEC),
        annotations={"armadaproject.io/gangId": "g", "armadaproject.io/gangCardinality": "2"},
        scheduling_resource_requirements=ResourceRequirements(
            requests={"cpu": "500m", "memory": "1Gi"}
        ),
    )
    return JobRecord(job=job, state=JobState.QUEUED, last_transition_ns=42, priority=7)


def test_a_stored_job_becomes_a_queued_job() -> None:
    queued = queued_job(_record())
    assert queued.requests == {"cpu": CPU // 2, "memory": GI}
    assert (queued.priority_class, queued.priority, queued.submitted_ns) == (
        "armada-preemptible",
        7,
        42,
    )
    assert queued.node_selector == {"disk": "ssd"}
    assert queued.tolerations == (Toleration("gpu", "Exists", "", "NoSchedule"),)
    assert queued.gang is not None and queued.gang.cardinality == 2


def test_a_stored_jobs_constraints_are_honoured() -> None:
    queued = queued_job(_record())
    nodes = [
        node("n1", labels={"disk": "ssd", "zone": "b"}),
        node("n2", labels={"disk": "hdd", "zone": "a"}),
        node("n3", labels={"disk": "ssd", "zone": "a"}, taints=(Taint("gpu", "1"),)),
    ]
    result = one_pass([queued, replace(queued, id="02job")], nodes)
    assert placed(result) == {"01job": "n3", "02job": "n3"}


def test_required_affinity_shapes() -> None:
    assert node_affinity_from_kube(None) is None
    assert node_affinity_from_kube({"nodeAffinity": {}}) is None
    empty = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {}}}
    assert node_affinity_from_kube(empty) == ()
    # Kubernetes: a required affinity with no terms matches no node at all.
    lone = replace(queued_job(_record()), gang=None, node_selector={}, tolerations=())
    assert placed(one_pass([replace(lone, node_affinity=())], [node("n1")])) == {}
    assert placed(one_pass([replace(lone, node_affinity=None)], [node("n1")])) == {"01job": "n1"}


def test_the_public_names_are_listed_and_importable() -> None:
    import armada_core.scheduling as scheduling

    assert {"schedule", "SchedulingRound", "SchedulingResult", "queued_job"} <= set(
        scheduling.__all__
    )
    assert all(getattr(scheduling, name) is not None for name in scheduling.__all__)
