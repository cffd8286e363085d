"""The upstream messages the executor speaks, from the project's private descriptor pool.

The executor uses the same upb classes as the server (`armada_adapters.wire.pool`), so
what it sends is byte-for-byte what Armada's Go executor would send.
"""

from __future__ import annotations

from typing import Any

from armada_adapters.wire.pool import message_class

LeaseRequest: Any = message_class("executorapi.LeaseRequest")
LeaseStreamMessage: Any = message_class("executorapi.LeaseStreamMessage")
JobRunLease: Any = message_class("executorapi.JobRunLease")
NodeInfo: Any = message_class("executorapi.NodeInfo")
EventList: Any = message_class("executorapi.EventList")
EventSequence: Any = message_class("armadaevents.EventSequence")
Empty: Any = message_class("google.protobuf.Empty")
PodSpec: Any = message_class("k8s.io.api.core.v1.PodSpec")
LogRequest: Any = message_class("binoculars.LogRequest")
LogResponse: Any = message_class("binoculars.LogResponse")

LEASE_JOB_RUNS = "/executorapi.ExecutorApi/LeaseJobRuns"
REPORT_EVENTS = "/executorapi.ExecutorApi/ReportEvents"
BINOCULARS_LOGS = "/binoculars.Binoculars/Logs"

# api.JobState numbers, as NodeInfo.run_ids_by_state carries them.
PENDING, RUNNING, SUCCEEDED, FAILED = 1, 2, 3, 4
# armadaevents.KubernetesReason
APP_ERROR, OOM, DEADLINE_EXCEEDED = 0, 2, 3
