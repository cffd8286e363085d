"""Kubernetes Services and Ingresses generated for a job's `services` and `ingress`.

As Armada does (§5.3): the exposable ports are the container ports without a host
port of regular containers and native sidecars, named `<container>-<port>`. Standalone
services come first (`armada-<job>-0-service-<n>`); each ingress then reuses the first
of those covering all its ports, or gets a new headless-or-cluster-IP service, and an
Ingress `armada-<job>-0-ingress-<m>` with one rule per port. Requested ports that no
container exposes are dropped; a config left with no port produces nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from armada_core.commands import IngressConfig, JobSubmitItem, KubeServiceConfig
from armada_core.jobs import KubeObject
from armada_core.submission.config import SubmissionConfig
from armada_core.submission.podspec import (
    container_name,
    containers,
    init_containers,
    is_native_sidecar,
)

logger = logging.getLogger(__name__)

JOB_ID_LABEL = "armada_job_id"
QUEUE_LABEL = "armada_queue_id"
JOB_SET_ANNOTATION = "armada_jobset_id"
OWNER_ANNOTATION = "armada_owner"
NODE_PORT = 0

ServicePort = dict[str, Any]


@dataclass(frozen=True, slots=True)
class JobObjects:
    """Who the generated objects belong to; stamped on every one of them."""

    job_id: str
    queue: str
    job_set_id: str
    owner: str
    namespace: str

    @property
    def pod_name(self) -> str:
        return f"armada-{self.job_id}-0"

    def metadata(self, name: str, annotations: dict[str, str] | None = None) -> KubeObject:
        return {
            "name": name,
            "namespace": self.namespace,
            "labels": {JOB_ID_LABEL: self.job_id, QUEUE_LABEL: self.queue},
            "annotations": {
                **(annotations or {}),
                JOB_SET_ANNOTATION: self.job_set_id,
                OWNER_ANNOTATION: self.owner,
            },
        }


def services_and_ingresses(
    item: JobSubmitItem, spec: KubeObject, owner: JobObjects, config: SubmissionConfig
) -> tuple[tuple[KubeObject, ...], tuple[KubeObject, ...]]:
    """The Services and Ingresses for one job, in Armada's order."""
    if not item.services and not item.ingress:
        return (), ()
    builder = _Builder(owner, exposable_ports(spec))
    standalone = [
        service
        for service_config in item.services
        if (service := builder.standalone(service_config, config)) is not None
    ]
    for ingress in item.ingress:
        builder.ingress(ingress, standalone)
    return tuple(builder.services), tuple(builder.ingresses)


def exposable_ports(spec: KubeObject) -> list[ServicePort]:
    """Container ports a Service may target, in container order."""
    sidecars = [c for c in init_containers(spec) if is_native_sidecar(c)]
    ports = []
    for container in [*containers(spec), *sidecars]:
        for port in container.get("ports") or ():
            if (port.get("hostPort") or 0) > 0:
                continue  # Kubernetes already exposes a host port on the node
            number = port.get("containerPort")
            service_port: ServicePort = {"name": f"{container_name(container)}-{number}"}
            if port.get("protocol"):
                service_port["protocol"] = port["protocol"]
            service_port["port"] = number
            ports.append(service_port)
    return ports


class _Builder:
    """Accumulates one job's objects; generated names count up independently."""

    def __init__(self, owner: JobObjects, available: list[ServicePort]) -> None:
        self.owner = owner
        self.available = available
        self.services: list[KubeObject] = []
        self.ingresses: list[KubeObject] = []
        self._next_service = 0

    def standalone(self, service: KubeServiceConfig, config: SubmissionConfig) -> KubeObject | None:
        ports = self._matching(service.ports)
        if not ports:
            return None
        name = self._service_name(service.name, config.allow_custom_service_names)
        node_port = service.type == NODE_PORT
        return self._add_service(name, ports, node_port=node_port, cluster_ip=node_port)

    def ingress(self, ingress: IngressConfig, standalone: Sequence[KubeObject]) -> None:
        ports = self._matching(ingress.ports)
        if not ports:
            return
        target = next((s for s in standalone if _covers(s, ports)), None)
        if target is None:
            name = self._service_name("", allow_custom=False)
            target = self._add_service(
                name, ports, node_port=False, cluster_ip=ingress.use_cluster_ip
            )
        name = f"{self.owner.pod_name}-ingress-{len(self.ingresses)}"
        spec = _ingress_spec(ingress, ports, self.owner, target["metadata"]["name"])
        metadata = self.owner.metadata(name, dict(ingress.annotations))
        self.ingresses.append({"metadata": metadata, "spec": spec})

    def _matching(self, wanted: Sequence[int]) -> list[ServicePort]:
        return [port for port in self.available if port["port"] in wanted]

    def _service_name(self, custom: str, allow_custom: bool) -> str:
        if custom and allow_custom:
            return custom  # a custom name does not use up a generated index
        generated = f"{self.owner.pod_name}-service-{self._next_service}"
        self._next_service += 1
        if custom:
            logger.warning(
                "custom service names are disabled; using %s instead of %s", generated, custom
            )
        return generated

    def _add_service(
        self, name: str, ports: list[ServicePort], *, node_port: bool, cluster_ip: bool
    ) -> KubeObject:
        spec: KubeObject = {"ports": ports, "selector": {JOB_ID_LABEL: self.owner.job_id}}
        if not cluster_ip:
            spec["clusterIP"] = "None"
        spec["type"] = "NodePort" if node_port else "ClusterIP"
        service = {"metadata": self.owner.metadata(name), "spec": spec}
        self.services.append(service)
        return service


def _covers(service: KubeObject, ports: Sequence[ServicePort]) -> bool:
    numbers = {port["port"] for port in service["spec"]["ports"]}
    return all(port["port"] in numbers for port in ports)


def _ingress_spec(
    ingress: IngressConfig, ports: Sequence[ServicePort], owner: JobObjects, service_name: str
) -> KubeObject:
    hosts = [f"{port['name']}-{owner.pod_name}.{owner.namespace}." for port in ports]
    spec: KubeObject = {}
    if ingress.tls_enabled:
        secret = ingress.cert_name or f"{owner.namespace}-"
        spec["tls"] = [{"hosts": hosts, "secretName": secret}]
    spec["rules"] = [
        _rule(host, service_name, port["port"]) for host, port in zip(hosts, ports, strict=True)
    ]
    return spec


def _rule(host: str, service_name: str, port: int) -> KubeObject:
    backend = {"service": {"name": service_name, "port": {"number": port}}}
    return {
        "host": host,
        "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]},
    }
