"""Services and Ingresses generated for `services` and `ingress` (§5.3)."""

from __future__ import annotations

import logging

import pytest
from submission_support import JOB_ID, build, container, item, pod

from armada_core.commands import IngressConfig, KubeServiceConfig
from armada_core.submission import SubmissionConfig

NODE_PORT, HEADLESS = 0, 1
POD = f"armada-{JOB_ID}-0"
LABELS = {"armada_job_id": JOB_ID, "armada_queue_id": "q"}
ANNOTATIONS = {"armada_jobset_id": "js", "armada_owner": "alice"}


def web_pod() -> dict[str, object]:
    return pod(
        container(
            "web", ports=[{"containerPort": 8080, "protocol": "TCP"}, {"containerPort": 9090}]
        ),
        container("host", ports=[{"containerPort": 7000, "hostPort": 7000}]),
        initContainers=[
            container("side", "100m", ports=[{"containerPort": 6000}], restartPolicy="Always"),
            container("setup", "100m", ports=[{"containerPort": 5000}]),
        ],
    )


def test_no_configs_no_objects() -> None:
    job = build(item(web_pod()))
    assert (job.services, job.ingresses) == ((), ())


def test_a_node_port_service() -> None:
    job = build(item(web_pod(), services=(KubeServiceConfig(type=NODE_PORT, ports=(8080,)),)))
    assert job.services == (
        {
            "metadata": {
                "name": f"{POD}-service-0",
                "namespace": "ns",
                "labels": LABELS,
                "annotations": ANNOTATIONS,
            },
            "spec": {
                "ports": [{"name": "web-8080", "protocol": "TCP", "port": 8080}],
                "selector": {"armada_job_id": JOB_ID},
                "type": "NodePort",
            },
        },
    )
    assert job.ingresses == ()


def test_a_headless_service_with_several_ports() -> None:
    job = build(item(web_pod(), services=(KubeServiceConfig(type=HEADLESS, ports=(9090, 8080)),)))
    (service,) = job.services
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["type"] == "ClusterIP"
    assert [p["name"] for p in service["spec"]["ports"]] == ["web-8080", "web-9090"]


@pytest.mark.parametrize(
    ("port", "exposed"), [(6000, True), (5000, False), (7000, False), (1234, False)]
)
def test_exposable_ports(port: int, exposed: bool) -> None:
    # Native sidecars count; classic init containers, host ports and unknown ports do not.
    job = build(item(web_pod(), services=(KubeServiceConfig(type=HEADLESS, ports=(port,)),)))
    assert len(job.services) == int(exposed)


def test_unmatched_ports_are_dropped_silently() -> None:
    job = build(item(web_pod(), services=(KubeServiceConfig(type=HEADLESS, ports=(8080, 1234)),)))
    assert [p["port"] for p in job.services[0]["spec"]["ports"]] == [8080]


def test_custom_service_names_when_allowed() -> None:
    configs = (
        KubeServiceConfig(type=HEADLESS, ports=(8080,), name="my-web"),
        KubeServiceConfig(type=HEADLESS, ports=(9090,)),
    )
    allowed = build(
        item(web_pod(), services=configs), SubmissionConfig(allow_custom_service_names=True)
    )
    assert [s["metadata"]["name"] for s in allowed.services] == ["my-web", f"{POD}-service-0"]


def test_custom_service_names_are_ignored_by_default(caplog: pytest.LogCaptureFixture) -> None:
    configs = (KubeServiceConfig(type=HEADLESS, ports=(8080,), name="my-web"),)
    with caplog.at_level(logging.WARNING, logger="armada_core.submission.services"):
        job = build(item(web_pod(), services=configs))
    assert job.services[0]["metadata"]["name"] == f"{POD}-service-0"
    assert "my-web" in caplog.text


def test_an_ingress_gets_its_own_service() -> None:
    ingress = IngressConfig(ports=(8080,), annotations={"nginx": "yes"})
    job = build(item(web_pod(), ingress=(ingress,)))
    (service,) = job.services
    assert service["metadata"]["name"] == f"{POD}-service-0"
    assert service["spec"]["clusterIP"] == "None"
    assert job.ingresses == (
        {
            "metadata": {
                "name": f"{POD}-ingress-0",
                "namespace": "ns",
                "labels": LABELS,
                "annotations": {"nginx": "yes", **ANNOTATIONS},
            },
            "spec": {
                "rules": [
                    {
                        "host": f"web-8080-{POD}.ns.",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {
                                        "service": {
                                            "name": f"{POD}-service-0",
                                            "port": {"number": 8080},
                                        }
                                    },
                                }
                            ]
                        },
                    }
                ]
            },
        },
    )


def test_an_ingress_reuses_a_standalone_service_covering_its_ports() -> None:
    job = build(
        item(
            web_pod(),
            services=(KubeServiceConfig(type=NODE_PORT, ports=(8080, 9090)),),
            ingress=(IngressConfig(ports=(9090,)),),
        )
    )
    assert [s["metadata"]["name"] for s in job.services] == [f"{POD}-service-0"]
    (ingress,) = job.ingresses
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]
    assert backend == {"service": {"name": f"{POD}-service-0", "port": {"number": 9090}}}


def test_an_ingress_not_covered_gets_the_next_service_index() -> None:
    job = build(
        item(
            web_pod(),
            services=(KubeServiceConfig(type=NODE_PORT, ports=(8080,)),),
            ingress=(
                IngressConfig(ports=(8080, 9090), use_cluster_ip=True),
                IngressConfig(ports=(6000,)),
            ),
        )
    )
    names = [s["metadata"]["name"] for s in job.services]
    assert names == [f"{POD}-service-0", f"{POD}-service-1", f"{POD}-service-2"]
    assert "clusterIP" not in job.services[1]["spec"]  # use_cluster_ip
    assert [i["metadata"]["name"] for i in job.ingresses] == [
        f"{POD}-ingress-0",
        f"{POD}-ingress-1",
    ]
    hosts = [rule["host"] for rule in job.ingresses[0]["spec"]["rules"]]
    assert hosts == [f"web-8080-{POD}.ns.", f"web-9090-{POD}.ns."]


@pytest.mark.parametrize(("cert_name", "secret"), [("my-cert", "my-cert"), ("", "ns-")])
def test_ingress_tls(cert_name: str, secret: str) -> None:
    ingress = IngressConfig(ports=(8080,), tls_enabled=True, cert_name=cert_name)
    spec = build(item(web_pod(), ingress=(ingress,))).ingresses[0]["spec"]
    assert spec["tls"] == [{"hosts": [f"web-8080-{POD}.ns."], "secretName": secret}]


def test_objects_use_the_defaulted_namespace() -> None:
    job = build(item(web_pod(), namespace="", ingress=(IngressConfig(ports=(8080,)),)))
    assert job.services[0]["metadata"]["namespace"] == "default"
    assert job.ingresses[0]["spec"]["rules"][0]["host"] == f"web-8080-{POD}.default."


def test_an_ingress_without_matching_ports_produces_nothing() -> None:
    job = build(item(web_pod(), ingress=(IngressConfig(ports=(5000,)),)))
    assert (job.services, job.ingresses) == ((), ())
