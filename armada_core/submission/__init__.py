"""Job submission rules: configuration, validation and conversion to `Job`.

`validate_submit` applies Armada's SubmitJobs rules (first failure raises
`InvalidArgument`); `build_job` turns a validated item into the stored `Job`, with
Armada's server-side defaults and generated Services/Ingresses.
"""

from __future__ import annotations

from armada_core.submission.build import (
    build_job,
    check_priority,
    priority_as_uint32,
    template_job_id,
)
from armada_core.submission.config import SubmissionConfig
from armada_core.submission.gangs import GangInfo, parse_gang
from armada_core.submission.podspec import main_pod_spec
from armada_core.submission.resources import scheduling_resource_requirements
from armada_core.submission.validation import (
    check_submit_request,
    validate_item,
    validate_submit,
)

__all__ = [
    "GangInfo",
    "SubmissionConfig",
    "build_job",
    "check_priority",
    "check_submit_request",
    "main_pod_spec",
    "parse_gang",
    "priority_as_uint32",
    "scheduling_resource_requirements",
    "template_job_id",
    "validate_item",
    "validate_submit",
]
