"""The spec's example files (armadactl.md §5.3, §6.1) and the selection rules of §5.4, §6.2,
§7, §8 and §9, run against the real server over a socket."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from cli_support import Armadactl, job_details, submitted_id
from e2e_support import ServerProcess

# §6.1's example, every field given; the list form `podSpecs` and explicit zero values.
# Ingress `type` is `Ingress`: the only value of Armada's `IngressType` (the spec's
# `NodePort` there is refused by Armada too; see the test of bad values below).
SPEC_JOB_FILE = """\
queue: exq
jobSetId: set1
jobs:
  - priority: 0
    namespace: armada-example
    clientId: my-id-1
    labels: {k: v}
    annotations: {k: v}
    requiredNodeLabels: {disk: ssd}
    scheduler: ""
    externalJobUri: ""
    ingress: [{type: Ingress, ports: [8080], tlsEnabled: false, certName: "", useClusterIP: false, annotations: {}}]
    services: [{type: NodePort, ports: [8080], name: ""}]
    podSpecs:
      - restartPolicy: Never
        terminationGracePeriodSeconds: 0
        containers:
          - name: main
            image: alpine:3.20
            command: [sh, -c, "exit 0"]
            ports: [{containerPort: 8080, protocol: TCP}]
            resources:
              limits: {cpu: 100m, memory: 32Mi}
              requests: {cpu: 100m, memory: 32Mi}
"""  # noqa: E501

# §5.3's example queue file.
SPEC_QUEUE_FILE = """\
apiVersion: armadaproject.io/v1beta1
kind: Queue
name: team-a
priorityFactor: 2
permissions:
  - subjects: [{kind: Group, name: team-a}, {kind: User, name: alice}]
    verbs: [submit, cancel, preempt, reprioritize, watch]
cordoned: false
labels: {armadaproject.io/team: a}
retryPolicies: [ml-retries]
resourceLimitsByPriorityClassName:
  armada-default:
    maximumResourceFraction: {cpu: 0.5, memory: 0.5}
    maximumResourceFractionByPool: {gpu-pool: {maximumResourceFraction: {nvidia.com/gpu: 0.25}}}
"""

RETRY_POLICY = """\
apiVersion: armadaproject.io/v1beta1
kind: RetryPolicy
name: ml-retries
retryLimit: 3
defaultAction: Fail
"""


def test_the_specs_job_file_is_stored_as_written(
    armadactl: Armadactl, server: ServerProcess, tmp_path: Path
) -> None:
    armadactl("create", "queue", "exq")
    path = tmp_path / "job.yaml"
    path.write_text(SPEC_JOB_FILE)
    result = armadactl("submit", str(path))
    assert result.code == 0, result.err
    spec = job_details(server, submitted_id(result.out))["jobSpec"]
    assert (spec["queue"], spec["jobSetId"], spec["clientId"]) == ("exq", "set1", "my-id-1")
    assert spec["labels"] == {"k": "v"} and spec["annotations"]["k"] == "v"
    assert spec["namespace"] == "armada-example"
    pod = spec.get("podSpec") or spec["podSpecs"][0]
    assert pod["restartPolicy"] == "Never"
    # 0 is raised to the server's minimum grace period, as Armada's submit check does
    assert pod["terminationGracePeriodSeconds"] == 1
    assert "nodeSelector" not in pod  # requiredNodeLabels: deprecated, not applied here
    container = pod["containers"][0]
    assert container["command"] == ["sh", "-c", "exit 0"]
    assert container["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    limits = container["resources"]["limits"]  # plus the server's default ephemeral-storage
    assert (limits["cpu"], limits["memory"]) == ("100m", "32Mi")
    # ingress and services are stored as the Kubernetes objects they become
    (service,) = spec["k8sService"]
    assert service["spec"]["type"] == "NodePort"
    assert [p["port"] for p in service["spec"]["ports"]] == [8080]
    (ingress,) = spec["k8sIngress"]
    (path_rule,) = ingress["spec"]["rules"][0]["http"]["paths"]
    assert path_rule["backend"]["service"]["port"] == {"number": 8080}
    again = armadactl("submit", str(path))  # the same clientId: the same job, as in Armada
    assert submitted_id(again.out) == submitted_id(result.out)


def test_an_unknown_enum_value_names_the_line(armadactl: Armadactl, tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    path.write_text(
        SPEC_JOB_FILE.replace("ingress: [{type: Ingress,", "ingress: [{type: NodePort,")
    )
    result = armadactl("submit", str(path))
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"Error: Failed to parse file {path} because: line 12: jobs[0].ingress[0].type: "
        "unknown IngressType value 'NodePort'\n"
    )


def test_the_specs_queue_file_is_stored_as_written(armadactl: Armadactl, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(RETRY_POLICY)
    assert armadactl("create", "-f", str(policy)).out == "Created retry policy ml-retries\n"
    path = tmp_path / "queue.yaml"
    path.write_text(SPEC_QUEUE_FILE)
    created = armadactl("create", "-f", str(path))
    assert created.code == 0, created.err
    stored = yaml.safe_load(armadactl("get", "queue", "team-a").out)
    written = yaml.safe_load(SPEC_QUEUE_FILE)
    assert stored["permissions"][-1] == written["permissions"][0]
    for key in ("name", "priorityFactor", "labels", "retryPolicies"):
        assert stored[key] == written[key], key
    limits = stored["resourceLimitsByPriorityClassName"]["armada-default"]
    assert limits == written["resourceLimitsByPriorityClassName"]["armada-default"]
    assert "cordoned" not in stored  # false is the zero value: omitted, as armadactl prints


def test_reprioritize_job_set_as_in_the_example_session(
    armadactl: Armadactl, tmp_path: Path
) -> None:
    armadactl("create", "queue", "rq")
    path = tmp_path / "job.yaml"
    path.write_text(SPEC_JOB_FILE.replace("exq", "rq").replace("my-id-1", ""))
    job = submitted_id(armadactl("submit", str(path)).out)
    result = armadactl("reprioritize", "job-set", "rq", "set1", "2")
    # the server's one key for a whole set (decision 8; docs/cli.md), not the job's id
    assert (result.code, result.lines) == (
        0,
        ["Reprioritized jobs with ID:", "all jobs in job set set1"],
    )
    one = armadactl("reprioritize", "job", "rq", "set1", job, "3")
    assert (one.code, one.lines) == (0, ["Reprioritized jobs with ID:", job])


def test_queue_selection_errors_before_any_call(armadactl: Armadactl) -> None:
    def error(*args: str) -> str:
        result = armadactl(*args)
        assert (result.code, result.out) == (1, ""), args
        return result.err

    narrowed = "Error: queue selection must be narrowed down either by names or by labels\n"
    assert error("cancel", "queues", "-s", "queued", "-a") == narrowed
    assert error("preempt", "queues", "-a") == narrowed
    assert error("cancel", "queues", "", "-s", "queued", "-a") == (
        "Error: provided queue name invalid: cannot provide empty queue name\n"
    )
    assert error("cancel", "queues", "q", "-s", "done", "-a") == (
        "Error: error determining active job state corresponding to done: must be one of "
        '"queued", "leased", "pending", "running"\n'
    )
    assert error("cordon", "queues") == (
        "Error: either queue names or match-labels must be set to determine queues to cordon\n"
    )
    assert error("uncordon", "queues", "q", "-l", "a=b") == (
        "Error: you can uncordon by either a set of queue names or a set of queue labels, "
        "but not both\n"
    )
    assert error("get", "queues", "") == (
        "Error: provided queue name invalid: cannot provide empty queue name\n"
    )


def test_dry_runs_and_per_queue_lines(armadactl: Armadactl) -> None:
    armadactl("create", "queue", "sel-a", "-l", "tier=gold")
    armadactl("create", "queue", "sel-b", "-l", "tier=gold", "--cordon")
    preempt = armadactl("preempt", "queues", "-l", "tier=gold", "-p", "armada-default,x",
                        "--pools", "cpu", "--only-cordoned", "--dry-run")  # fmt: skip
    assert preempt.lines == [
        "Requesting preemption of jobs matching queue: sel-b, priorityClasses: "
        "armada-default,x, pools: cpu"
    ]
    uncordon = armadactl("uncordon", "queues", "-l", "tier=gold", "--dry-run")
    assert uncordon.lines == ["Uncordoning the following queues: (DRY RUN)", "sel-a", "sel-b"]
    assert yaml.safe_load(armadactl("get", "queue", "sel-b").out)["cordoned"] is True
    cancel = armadactl("cancel", "queue", "sel-a", "sel-b", "-s", "running", "-a")
    assert cancel.lines == [
        f"Requesting cancellation of jobs matching queue: {name}, priorityClasses: all, "
        "jobStates: running, pools: all"
        for name in ("sel-a", "sel-b")
    ]


def test_retry_policy_round_trip_as_in_the_example_session(
    armadactl: Armadactl, tmp_path: Path
) -> None:
    # §13's session, with this server's category name (`user_error`; §13 shows `UserError`)
    shown = (
        "apiVersion: armadaproject.io/v1beta1\n"
        "kind: RetryPolicy\n"
        "defaultAction: Retry\n"
        "name: p1\n"
        "retryLimit: 3\n"
        "rules:\n"
        "- action: Fail\n"
        "  onCategory: user_error\n"
    )
    path = tmp_path / "policy.yaml"
    path.write_text(shown)
    created = armadactl("create", "retry-policy", "-f", str(path))
    assert (created.code, created.out) == (0, "Created retry policy p1\n"), created.err
    assert armadactl("get", "retry-policy", "p1").out == shown
    deleted = armadactl("delete", "retry-policy", "p1")
    assert deleted.out == "Deleted retry policy p1 (or it did not exist)\n"


def test_a_json_job_file_is_read_like_yaml(
    armadactl: Armadactl, server: ServerProcess, tmp_path: Path
) -> None:
    armadactl("create", "queue", "jsonq")
    data = yaml.safe_load(SPEC_JOB_FILE.replace("exq", "jsonq").replace("my-id-1", "json-1"))
    path = tmp_path / "job.json"
    path.write_text(json.dumps(data))
    result = armadactl("submit", str(path))
    assert result.code == 0, result.err
    spec = job_details(server, submitted_id(result.out))["jobSpec"]
    assert (spec["queue"], spec["clientId"]) == ("jsonq", "json-1")
    bad = tmp_path / "bad.json"
    bad.write_text('{"queue": "jsonq", "jobs": [{"priority": "high"}]}')
    refused = armadactl("submit", str(bad), "--dry-run")
    assert refused.code == 1 and "jobs[0].priority: expected number, got string" in refused.err
