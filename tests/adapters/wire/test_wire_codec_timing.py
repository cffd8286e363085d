"""Timing of the codec on a realistic pod spec: printed (run with -s), not asserted."""

from __future__ import annotations

import timeit
from typing import Any

import pytest

from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pool import message_class

POD: dict[str, Any] = {
    "volumes": [
        {"name": "data", "emptyDir": {"sizeLimit": "1Gi"}},
        {"name": "cfg", "configMap": {"name": "settings"}},
    ],
    "containers": [
        {
            "name": "main",
            "image": "python:3.11",
            "command": ["python", "-m", "worker"],
            "args": ["--threads", "4"],
            "env": [{"name": "MODE", "value": "batch"}, {"name": "LEVEL", "value": "info"}],
            "resources": {
                "limits": {"cpu": "2", "memory": "4Gi"},
                "requests": {"cpu": "2", "memory": "4Gi"},
            },
            "volumeMounts": [
                {"name": "data", "mountPath": "/data"},
                {"name": "cfg", "readOnly": True, "mountPath": "/etc/worker"},
            ],
        },
        {
            "name": "sidecar",
            "image": "envoyproxy/envoy:v1.30",
            "env": [{"name": "ENVOY_UID", "value": "0"}],
            "resources": {
                "limits": {"cpu": "200m", "memory": "128Mi"},
                "requests": {"cpu": "200m", "memory": "128Mi"},
            },
            "volumeMounts": [{"name": "cfg", "readOnly": True, "mountPath": "/etc/envoy"}],
        },
    ],
    "restartPolicy": "Never",
    "terminationGracePeriodSeconds": 30,
    "nodeSelector": {"disktype": "ssd", "pool": "cpu"},
    "tolerations": [
        {
            "key": "armadaproject.io/armada",
            "operator": "Equal",
            "value": "true",
            "effect": "NoSchedule",
        },
        {"key": "example.com/spot", "operator": "Exists", "effect": "NoSchedule"},
    ],
    "priorityClassName": "armada-default",
}


def _microseconds(call: Any, number: int = 2000) -> float:
    return min(timeit.repeat(call, number=number, repeat=5)) / number * 1e6


def test_pod_spec_codec_timing(capsys: pytest.CaptureFixture[str]) -> None:
    pod_class = message_class("k8s.io.api.core.v1.PodSpec")
    message = from_json(POD, pod_class)
    assert to_json(message) == POD
    encode = _microseconds(lambda: to_json(message))
    decode = _microseconds(lambda: from_json(POD, pod_class))
    wire = _microseconds(lambda: pod_class.FromString(message.SerializeToString()))
    with capsys.disabled():
        print(
            f"\n[wire timing] PodSpec to_json {encode:.1f} µs, from_json {decode:.1f} µs "
            f"(upb bytes round trip {wire:.1f} µs)"
        )
