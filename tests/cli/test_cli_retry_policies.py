"""armadactl's retry-policy commands against the real server (spec §5.5 of armadactl.md)."""

from __future__ import annotations

from pathlib import Path

import yaml
from cli_support import Armadactl

POLICY = """apiVersion: armadaproject.io/v1beta1
kind: RetryPolicy
name: oom-retry
retryLimit: 2
defaultAction: fail
rules:
  - action: retry
    onCategory: oom
    mutate:
      affinity: {avoidSameNode: true}
      resources: {memory: {factor: 1.5}}
  - {action: Fail, onCategory: user_error}
"""


def test_create_get_update_delete_from_a_file(armadactl: Armadactl, tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY)
    created = armadactl("create", "retry-policy", "-f", str(path))
    assert (created.code, created.out) == (0, "Created retry policy oom-retry\n"), created.err
    got = armadactl("get", "retry-policy", "oom-retry")
    assert got.code == 0, got.err
    document = yaml.safe_load(got.out)
    assert document["kind"] == "RetryPolicy"
    assert document["retryLimit"] == 2 and document["defaultAction"] == "Fail"
    assert document["rules"][0] == {
        "action": "Retry",
        "onCategory": "oom",
        "mutate": {"affinity": {"avoidSameNode": True}, "resources": {"memory": {"factor": 1.5}}},
    }
    # What `get` prints is valid input for `update`.
    again = tmp_path / "again.yaml"
    again.write_text(got.out.replace("retryLimit: 2", "retryLimit: 5"))
    updated = armadactl("update", "retry-policy", "-f", str(again))
    assert updated.code == 0, updated.err
    listed = yaml.safe_load(armadactl("get", "retry-policies").out)
    assert [p["retryLimit"] for p in listed["retryPolicies"] if p["name"] == "oom-retry"] == [5]
    queue = armadactl("create", "queue", "ml", "--retry-policies", "oom-retry")
    assert queue.code == 0, queue.err
    assert yaml.safe_load(armadactl("get", "queue", "ml").out)["retryPolicies"] == ["oom-retry"]
    deleted = armadactl("delete", "retry-policy", "oom-retry")
    assert deleted.code == 0, deleted.err
    assert "retryPolicies" not in yaml.safe_load(armadactl("get", "queue", "ml").out)
    missing = armadactl("get", "retry-policy", "oom-retry")
    assert missing.code == 1 and 'could not find retry policy "oom-retry"' in missing.err


def test_an_invalid_policy_is_refused_with_the_servers_words(
    armadactl: Armadactl, tmp_path: Path
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY.replace("defaultAction: fail\n", ""))
    result = armadactl("create", "retry-policy", "-f", str(path))
    assert result.code == 1
    assert 'retry policy "oom-retry" must set a default action (Fail or Retry)' in result.err
