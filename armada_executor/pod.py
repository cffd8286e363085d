"""A leased run as a plan of processes, with Kubernetes' pod semantics.

The pod spec of the lease is read in its JSON form (the wire layer's codec), so the
resource rules are the core's (`PodResources`: requests add up over containers, an init
container only raises the total). Kubernetes rules kept here:
- `command` replaces the image's entrypoint and `args` its arguments; without an image,
  only `args` means `args[0]` is the program, and neither is a pod that cannot start;
- `env` in order, `valueFrom.fieldRef` for the pod's own fields, then Armada's variables
  (`ARMADA_JOB_ID`, `ARMADA_QUEUE`, `ARMADA_JOB_SET_ID`, gang variables) unless set;
- `$(VAR)` in an `env` value refers to the variables defined before it in `env`; in
  `command` and `args`, to every variable of the container (`expansion`);
- restart policy is always Never (Armada forces it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from armada_adapters.wire.jsoncodec import to_json
from armada_core.quantity import Quantity
from armada_core.submission.gangs import GANG_CARDINALITY, GANG_ID, GANG_NODE_UNIFORMITY_LABEL
from armada_core.submission.resources import PodResources, resource_list
from armada_executor.expansion import expand

DEFAULT_GRACE_SECONDS = 30.0
HOSTNAME_LABEL = "kubernetes.io/hostname"
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True, slots=True)
class ContainerPlan:
    """One container to run; `problem` says why it cannot start (then `argv` is empty)."""

    name: str
    argv: tuple[str, ...]
    env: Mapping[str, str]
    working_dir: str | None
    memory_limit: int | None  # bytes
    cpu_limit: Quantity | None
    volume_links: Mapping[str, str]  # volume name -> mountPath
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class PodPlan:
    """Everything needed to run one leased run and report on it."""

    run_id: str
    job_id: str
    queue: str
    job_set: str
    namespace: str
    pod_name: str
    init_containers: tuple[ContainerPlan, ...]
    containers: tuple[ContainerPlan, ...]
    empty_dirs: tuple[str, ...]
    requests: Mapping[str, Quantity]
    active_deadline_seconds: float | None
    grace_seconds: float

    @property
    def all_containers(self) -> tuple[ContainerPlan, ...]:
        return self.init_containers + self.containers


@dataclass(frozen=True, slots=True)
class PodIdentity:
    """The fields a container can read about its pod (`fieldRef`)."""

    run_id: str
    job_id: str
    queue: str
    job_set: str
    namespace: str
    pod_name: str
    node_name: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]


def plan_pod(lease: Any, node_name: str) -> PodPlan:
    """The plan of an `executorapi.JobRunLease` (upb message) on node `node_name`."""
    job = lease.job
    meta = job.objectMeta
    who = PodIdentity(
        run_id=lease.job_run_id,
        job_id=job.job_id,
        queue=lease.queue,
        job_set=lease.jobset,
        namespace=meta.namespace or "default",
        pod_name=f"armada-{job.job_id}-0",
        node_name=node_name,
        labels=dict(meta.labels),
        annotations=dict(meta.annotations),
    )
    spec = to_json(job.mainObject.pod_spec.pod_spec)
    return plan_from_spec(who, spec)


def plan_from_spec(who: PodIdentity, spec: Mapping[str, Any]) -> PodPlan:
    """The plan of a pod spec in its JSON form."""
    deadline = spec.get("activeDeadlineSeconds")
    grace = spec.get("terminationGracePeriodSeconds")
    return PodPlan(
        run_id=who.run_id,
        job_id=who.job_id,
        queue=who.queue,
        job_set=who.job_set,
        namespace=who.namespace,
        pod_name=who.pod_name,
        init_containers=tuple(_container(c, who) for c in spec.get("initContainers", ())),
        containers=tuple(_container(c, who) for c in spec.get("containers", ())),
        empty_dirs=tuple(
            v["name"] for v in spec.get("volumes", ()) if "emptyDir" in v.get("volumeSource", {})
        ),
        requests=PodResources.of(dict(spec)).total("requests"),
        active_deadline_seconds=float(deadline) if deadline is not None else None,
        grace_seconds=float(grace) if grace is not None else DEFAULT_GRACE_SECONDS,
    )


def _container(container: Mapping[str, Any], who: PodIdentity) -> ContainerPlan:
    name = container.get("name", "")
    declared = declared_variables(container.get("env", ()), who)
    env = {"PATH": BASE_PATH, "HOSTNAME": who.pod_name, **declared}
    command, args = (
        [expand(word, declared) for word in container.get(key, ())] for key in ("command", "args")
    )
    argv, problem = program(name, command, args)
    limits = resource_list(dict(container), "limits") or resource_list(dict(container), "requests")
    memory = limits.get("memory")
    return ContainerPlan(
        name=name,
        argv=argv,
        env=env,
        working_dir=container.get("workingDir") or None,
        memory_limit=memory.value() if memory is not None else None,
        cpu_limit=limits.get("cpu"),
        volume_links={m["name"]: m.get("mountPath", "") for m in container.get("volumeMounts", ())},
        problem=problem,
    )


def program(
    name: str, command: Sequence[str], args: Sequence[str]
) -> tuple[tuple[str, ...], str | None]:
    """argv by Kubernetes' rule, or the reason there is none (no image supplies one here)."""
    argv = (*command, *args)
    if not argv:
        return (), (
            f"container {name} has neither command nor args; without an image there is "
            "no entrypoint to run"
        )
    return argv, None


def declared_variables(env: Sequence[Mapping[str, Any]], who: PodIdentity) -> dict[str, str]:
    """A container's `env` in order, values expanded, then Armada's variables if absent.

    (The base `PATH` and `HOSTNAME` come from the image and the runtime in Kubernetes,
    so references cannot see them.)
    """
    values: dict[str, str] = {}
    for var in env:
        source = var.get("valueFrom", {}).get("fieldRef")
        value = field_value(source["fieldPath"], who) if source else var.get("value", "")
        values[var["name"]] = value if source else expand(value, values)
    for name, value in armada_variables(who).items():
        values.setdefault(name, value)
    return values


def armada_variables(who: PodIdentity) -> dict[str, str]:
    """What Armada's executor adds to every container (gang ones only for gang members)."""
    found = {
        "ARMADA_JOB_ID": who.job_id,
        "ARMADA_QUEUE": who.queue,
        "ARMADA_JOB_SET_ID": who.job_set,
    }
    gang_id = who.annotations.get(GANG_ID)
    if gang_id:
        found["ARMADA_GANG_ID"] = gang_id
        found["ARMADA_GANG_CARDINALITY"] = who.annotations.get(GANG_CARDINALITY, "1")
        label = who.annotations.get(GANG_NODE_UNIFORMITY_LABEL)
        if label:
            found["ARMADA_GANG_NODE_UNIFORMITY_LABEL_NAME"] = label
            value = who.node_name if label == HOSTNAME_LABEL else ""
            found["ARMADA_GANG_NODE_UNIFORMITY_LABEL_VALUE"] = value
    return found


def field_value(path: str, who: PodIdentity) -> str:
    """The downward-API value of `path` for this pod ("" for a field a process has not)."""
    simple = {
        "metadata.name": who.pod_name,
        "metadata.namespace": who.namespace,
        "metadata.uid": who.run_id,
        "spec.nodeName": who.node_name,
        "status.hostIP": "127.0.0.1",
        "status.podIP": "127.0.0.1",
    }
    if path in simple:
        return simple[path]
    for prefix, source in (
        ("metadata.labels", who.labels),
        ("metadata.annotations", who.annotations),
    ):
        if path.startswith(prefix + "['") and path.endswith("']"):
            return source.get(path[len(prefix) + 2 : -2], "")
    return ""
