"""Queue commands against the real server, compared with armadactl's example sessions (§13)."""

from __future__ import annotations

from pathlib import Path

import yaml
from cli_support import Armadactl

GET_Q1 = """\
apiVersion: armadaproject.io/v1beta1
kind: Queue
name: q1
permissions:
- subjects:
  - kind: User
    name: anonymous
  verbs:
  - submit
  - cancel
  - preempt
  - reprioritize
  - watch
- subjects:
  - kind: User
    name: ubar
  - kind: User
    name: ubaz
  - kind: Group
    name: gbar
  - kind: Group
    name: gbaz
  verbs:
  - submit
  - cancel
  - preempt
  - reprioritize
  - watch
priorityFactor: 1.337
"""


def test_queue_lifecycle_as_in_the_example_session(armadactl: Armadactl) -> None:
    created = armadactl(
        "create",
        "queue",
        "q1",
        "--priority-factor",
        "1.337",
        "--owners",
        "ubar,ubaz",
        "--group-owners",
        "gbar",
        "--group-owners",
        "gbaz",
    )
    assert (created.code, created.out) == (0, "Created queue q1\n")
    assert armadactl("get", "queue", "q1").out == GET_Q1

    refused = armadactl("update", "queue", "q1", "--priority-factor", "0.5")
    assert refused.code == 1
    assert refused.err == (
        "Error: invalid queue data: failed to map priority factor. priority factor cannot be "
        "lower than 1.0. Value: 0.500000\n"
    )
    deleted = armadactl("delete", "queue", "q1")
    assert (deleted.code, deleted.out) == (0, "Deleted queue q1 (or it did not exist)\n")
    missing = armadactl("get", "queue", "q1")
    assert missing.code == 1
    assert missing.err.startswith(
        "Error: [armadactl.GetQueue] error getting queue q1: get queue info request failed: "
        "rpc error: code = NotFound desc = "
    )


def test_update_is_a_full_replace(armadactl: Armadactl) -> None:
    armadactl("create", "queue", "full", "--cordon", "-l", "a=b", "--priority-factor", "3")
    assert armadactl("update", "queue", "full").out == "Updated queue full\n"
    body = yaml.safe_load(armadactl("get", "queue", "full").out)
    assert body["priorityFactor"] == 1
    assert "cordoned" not in body and "labels" not in body


def test_label_and_priority_checks_happen_before_any_call(armadactl: Armadactl) -> None:
    bad_label = armadactl("create", "queue", "never", "-l", "novalue")
    assert bad_label.err == "Error: error converting queue labels to map: invalid label: novalue\n"
    empty = armadactl("create", "queue", "never", "-l", "k=")
    assert "queue labels must not have an empty key or value, key: k, value: " in empty.err
    assert armadactl("get", "queue", "never").code == 1


def test_bulk_selection_by_label_cordon_and_cancel(armadactl: Armadactl) -> None:
    armadactl("create", "queue", "queue-a", "-l", "armadaproject.io/pool=cpu")
    armadactl("create", "queue", "queue-b", "-l", "armadaproject.io/pool=gpu")

    dry = armadactl(
        "cancel",
        "queues",
        "-l",
        "armadaproject.io/pool=cpu",
        "-s",
        "queued,running",
        "-a",
        "--dry-run",
    )
    assert dry.lines == [
        "Requesting cancellation of jobs matching queue: queue-a, priorityClasses: all, "
        "jobStates: queued,running, pools: all"
    ]
    inverse = armadactl("cordon", "queues", "-l", "armadaproject.io/pool", "--inverse", "--dry-run")
    assert inverse.lines[0] == "Cordoning the following queues: (DRY RUN)"
    assert "queue-a" not in inverse.lines and "queue-b" not in inverse.lines

    cordoned = armadactl("cordon", "queues", "queue-b")
    assert cordoned.lines == ["Cordoning the following queues:", "queue-b cordoned"]
    only = yaml.safe_load(armadactl("get", "queues", "--only-cordoned").out.split("\n", 2)[2])
    assert [q["name"] for q in only] == ["queue-b"]
    assert armadactl("uncordon", "queue", "queue-b").lines[-1] == "queue-b uncordoned"

    both = armadactl(
        "cancel", "queues", "queue-a", "-l", "armadaproject.io/pool=cpu", "-s", "queued", "-a"
    )
    assert (both.code, both.err) == (
        1,
        "Error: queues can be selected either with a set of names or a set of labels, "
        "but not both\n",
    )
    no_class = armadactl("cancel", "queues", "queue-a", "-s", "queued")
    assert no_class.code == 1 and 'required flag(s) "priority-classes" not set' in no_class.err
    done = armadactl("cancel", "queues", "queue-a", "-s", "queued", "-p", "armada-default")
    assert done.code == 0, done.err
    preempt = armadactl("preempt", "queues", "queue-a", "-a")
    assert preempt.lines == [
        "Requesting preemption of jobs matching queue: queue-a, priorityClasses: all, pools: all"
    ]


def test_get_queues_filters_and_header(armadactl: Armadactl) -> None:
    armadactl("create", "queue", "lab-x", "-l", "team=x")
    out = armadactl("get", "queues", "-l", "team=x").out
    assert out.startswith("apiVersion: armadaproject.io/v1beta1\nkind: Queue\n- ")
    assert [q["name"] for q in yaml.safe_load(out.split("\n", 2)[2])] == ["lab-x"]
    assert armadactl("get", "queues", "-l", "team=nobody").out.endswith("kind: Queue\n[]\n")
    both = armadactl("get", "queues", "lab-x", "-l", "team=x")
    assert both.code == 1 and "not both" in both.err


def test_create_from_a_queue_file(armadactl: Armadactl, tmp_path: Path) -> None:
    path = tmp_path / "queue.yaml"
    path.write_text(
        "apiVersion: armadaproject.io/v1beta1\nkind: Queue\nname: team-a\npriorityFactor: 2\n"
        "permissions:\n  - subjects: [{kind: Group, name: team-a}]\n    verbs: [submit]\n"
        "labels: {armadaproject.io/team: a}\nuserOwners: [ignored]\n"
    )
    assert armadactl("create", "-f", str(path), "--dry-run").out == ""
    assert armadactl("get", "queue", "team-a").code == 1  # dry run created nothing
    assert armadactl("create", "-f", str(path)).out == "Created queue team-a\n"
    body = yaml.safe_load(armadactl("get", "queue", "team-a").out)
    assert body["priorityFactor"] == 2
    assert body["labels"] == {"armadaproject.io/team": "a"}
    # the creator first (no userOwners were sent: the file's are ignored, as armadactl does)
    assert body["permissions"][-1] == {
        "subjects": [{"kind": "Group", "name": "team-a"}],
        "verbs": ["submit"],
    }
    assert "ignored" not in str(body)


def test_queue_file_errors(armadactl: Armadactl, tmp_path: Path) -> None:
    def create(text: str) -> str:
        path = tmp_path / "q.yaml"
        path.write_text(text)
        result = armadactl("create", "-f", str(path))
        assert result.code == 1 and result.out == ""
        return result.err.replace(str(path), "F")

    head = "apiVersion: armadaproject.io/v1beta1\n"
    assert create("apiVersion: v2\nkind: Queue\n") == (
        "Error: Failed to parse file F because: line 1: invalid version: v2. "
        "Valid values: [armadaproject.io/v1beta1]\n"
    )
    assert "invalid kind: Job. Valid values: [Queue RetryPolicy]" in create(head + "kind: Job\n")
    assert create(head + "kind: Queue\nname: x\npermissions: [{subjects: [{kind: Robot}]}]\n") == (
        "Error: file F error: invalid kind value: Robot\n"
    )
    assert create(head + "kind: Queue\nname: x\ncordoned: [1]\n") == (
        "Error: Failed to parse file F because: line 4: cordoned: expected boolean, got array\n"
    )
    missing = armadactl("create", "-f", str(tmp_path / "absent.yaml"))
    assert missing.err.startswith("Error: Failed opening file ") and "No such file" in missing.err
