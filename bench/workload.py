"""The workload every benchmark uses: realistic jobs, as Kubernetes JSON dicts."""

from __future__ import annotations

from typing import Any


def pod_spec(i: int = 0) -> dict[str, Any]:
    """A pod spec like a typical batch job's: two containers, env, mounts, tolerations."""
    resources = {
        "requests": {"cpu": "500m", "memory": "1Gi", "ephemeral-storage": "1Gi"},
        "limits": {"cpu": "500m", "memory": "1Gi", "ephemeral-storage": "1Gi"},
    }
    return {
        "restartPolicy": "Never",
        "terminationGracePeriodSeconds": 30,
        "priorityClassName": "armada-default",
        "nodeSelector": {"node-type": "batch", "zone": "eu-west-1a"},
        "tolerations": [
            {"key": "dedicated", "operator": "Equal", "value": "batch", "effect": "NoSchedule"}
        ],
        "containers": [
            {
                "name": "main",
                "image": "registry.example.com/team/trainer:1.4.2",
                "command": ["python", "-m", "trainer"],
                "args": ["--epochs", "10", "--shard", str(i)],
                "env": [
                    {"name": "SHARD", "value": str(i)},
                    {"name": "LOG_LEVEL", "value": "info"},
                    {"name": "DATA_DIR", "value": "/data"},
                ],
                "resources": resources,
                "volumeMounts": [{"name": "data", "mountPath": "/data", "readOnly": True}],
                "securityContext": {"runAsUser": 1000, "allowPrivilegeEscalation": False},
            },
            {
                "name": "sidecar",
                "image": "registry.example.com/team/log-shipper:2.0",
                "resources": {
                    "requests": {"cpu": "100m", "memory": "128Mi"},
                    "limits": {"cpu": "100m", "memory": "128Mi"},
                },
            },
        ],
        "volumes": [{"name": "data", "emptyDir": {}}],
    }


def submit_items(n: int, *, start: int = 0) -> list[dict[str, Any]]:
    """`n` JobSubmitRequestItems in Go-JSON shape."""
    return [
        {
            "priority": 1,
            "namespace": "default",
            "labels": {"app": "trainer", "run": "bench"},
            "annotations": {"armadaproject.io/bench": "{JobId}"},
            "podSpec": pod_spec(start + k),
        }
        for k in range(n)
    ]
