"""The files read from Armada's sources describe upstream's wire format field for field."""

from __future__ import annotations

from google.protobuf import text_format
from proto_support import (
    assert_same_enums,
    assert_same_messages,
    assert_same_methods,
    load_script,
    upstream_files,
)

from armada_adapters.grpc._betterproto import armadaevents, binoculars, executorapi
from armada_adapters.grpc._betterproto import schedulerobjects as bp_schedulerobjects
from armada_adapters.wire import pool


def test_every_upstream_file_is_compared() -> None:
    names = {fd.name for fd in upstream_files()}
    assert "pkg/executorapi/executorapi.proto" in names
    assert "pkg/api/submit.proto" in names  # upstream's submit.proto, against the client's
    assert len(names) == 8


def test_every_upstream_message_has_the_same_fields() -> None:
    # includes upstream's submit.proto: anything it added to armada-client 0.5.1's would fail
    assert assert_same_messages(upstream_files()) > 150


def test_every_upstream_enum_has_the_same_values() -> None:
    assert assert_same_enums(upstream_files()) == 7


def test_every_upstream_method_has_the_same_path_types_streaming_and_http_rule() -> None:
    assert assert_same_methods(upstream_files()) == 43


def test_written_files_land_in_a_folder_named_after_their_package() -> None:
    upstream = load_script("upstream_protos")
    for fd in upstream_files():
        ours = upstream.our_path(fd.name)
        assert ours is not None and ours.split("/")[0] == fd.package, fd.name
        assert pool.pool().FindFileByName(ours).package == fd.package


# The rest needs no upstream source: it reads only what is committed.


def test_executor_api_methods_in_the_private_pool() -> None:
    service = pool.service_descriptor("executorapi.ExecutorApi")
    lease = service.methods_by_name["LeaseJobRuns"]
    assert (lease.client_streaming, lease.server_streaming) == (True, True)
    assert lease.input_type.full_name == "executorapi.LeaseRequest"
    assert lease.output_type.full_name == "executorapi.LeaseStreamMessage"
    report = service.methods_by_name["ReportEvents"]
    assert (report.client_streaming, report.server_streaming) == (False, False)
    assert report.input_type.full_name == "executorapi.EventList"
    assert report.output_type.full_name == "google.protobuf.Empty"


def test_new_messages_are_classes_of_the_private_pool() -> None:
    for name in (
        "executorapi.LeaseRequest",
        "executorapi.LeaseStreamMessage",
        "armadaevents.EventSequence",
        "armadaevents.SubmitJob",
        "schedulerobjects.Node",
        "schedulerobjects.JobReportRequest",
        "binoculars.LogRequest",
        "api.ExecutorSettingsUpsertRequest",
        "api.NodeCancelRequest",
        "api.RetryPolicy",
    ):
        cls = pool.message_class(name)
        assert cls.DESCRIPTOR.file.pool is pool.pool(), name
    fields = pool.message_class("executorapi.LeaseRequest").DESCRIPTOR.fields
    assert [(f.name, f.number) for f in fields] == [
        ("executor_id", 1),
        ("pool", 2),
        ("resources", 3),
        ("minimum_job_size", 4),
        ("nodes", 5),
        ("max_jobs_to_lease", 7),
        ("unassigned_job_run_ids", 8),
    ]


def test_http_rules_of_the_new_services() -> None:
    expected = {
        ("api.Executor", "UpsertExecutorSettings"): 'put: "/v1/executor_settings/{name}" body: "*"',
        ("api.Node", "CancelOnNode"): 'post: "/v1/node/cancel/{name}" body: "*"',
        ("schedulerobjects.SchedulerReporting", "GetJobReport"): (
            'get: "/v1/job/{job_id}/scheduler-report"'
        ),
        ("binoculars.Binoculars", "Logs"): 'post: "/v1/binoculars/log" body: "*"',
        ("api.RetryPolicyService", "GetRetryPolicy"): 'get: "/v1/retry-policy/{name}"',
    }
    for (service, method), text in expected.items():
        rule = pool.http_rule(pool.service_descriptor(service).methods_by_name[method])
        assert rule is not None, (service, method)
        assert text_format.MessageToString(rule, as_one_line=True) == text
    executor_api = pool.service_descriptor("executorapi.ExecutorApi")
    assert all(pool.http_rule(m) is None for m in executor_api.methods)  # gRPC only upstream


def test_betterproto_modules_have_the_new_services() -> None:
    assert hasattr(executorapi, "ExecutorApiBase") and hasattr(executorapi, "ExecutorApiStub")
    assert hasattr(binoculars, "BinocularsBase")
    assert hasattr(bp_schedulerobjects, "SchedulerReportingBase")
    event = armadaevents.EventSequenceEvent(job_run_errors=armadaevents.JobRunErrors(run_id="r"))
    again = armadaevents.EventSequenceEvent.parse(bytes(event))
    assert again.job_run_errors is not None and again.job_run_errors.run_id == "r"
