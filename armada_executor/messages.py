"""The upstream messages the executor speaks, from the project's private descriptor pool.

The executor uses the same upb classes as the server (`armada_adapters.wire.pool`), so
what it sends is byte-for-byte what Armada's Go executor would send.
"""

from __future__ import annotations

from armada_adapters.wire.pool import message_class

LeaseRequest = message_class("executorapi.LeaseRequest")
LeaseStreamMessage = message_class("executorapi.LeaseStreamMessage")
JobRunLease = message_class("executorapi.JobRunLease")
NodeInfo = message_class("executorapi.NodeInfo")
EventList = message_class("executorapi.EventList")
EventSequence = message_class("armadaevents.EventSequence")
Empty = message_class("google.protobuf.Empty")
PodSpec = message_class("k8s.io.api.core.v1.PodSpec")
LogRequest = message_class("binoculars.LogRequest")
LogResponse = message_class("binoculars.LogResponse")

LEASE_JOB_RUNS = "/executorapi.ExecutorApi/LeaseJobRuns"
REPORT_EVENTS = "/executorapi.ExecutorApi/ReportEvents"
BINOCULARS_LOGS = "/binoculars.Binoculars/Logs"

# api.JobState numbers, as NodeInfo.run_ids_by_state carries them.
PENDING, RUNNING, SUCCEEDED, FAILED = 1, 2, 3, 4
# armadaevents.KubernetesReason
APP_ERROR, OOM, DEADLINE_EXCEEDED = 0, 2, 3
