"""armadactl's job-set files (spec §6.1): `queue`, `jobSetId`, `jobs` → JobSubmitRequests.

Each job is decoded with the wire codec, which keeps Kubernetes field presence (an
explicit `false` or `0` survives) and takes quantities as strings or numbers; a bad
value is reported with its line. Jobs go in chunks of at most 200, each job without a
`clientId` getting a fresh ULID (so submitting a file twice submits twice).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from armada_adapters.wire.pool import message_class
from armada_cli.errors import CliError
from armada_cli.files import Document, get
from armada_cli.resources import decode
from armada_core.ids import UlidFactory

CHUNK = 200
NO_JOBS = "Warning: You have provided no jobs to submit."


@dataclass(frozen=True)
class JobFile:
    """A parsed job-set file: where the jobs go and the decoded items."""

    queue: str
    job_set_id: str
    items: list[Any]

    def requests(self, ids: UlidFactory | None = None) -> Iterator[Any]:
        """The SubmitJobs requests, in file order, with client ids filled in."""
        factory = ids or UlidFactory()
        request = message_class("api.JobSubmitRequest")
        for start in range(0, len(self.items), CHUNK):
            chunk = [_with_client_id(item, factory) for item in self.items[start : start + CHUNK]]
            yield request(queue=self.queue, job_set_id=self.job_set_id, job_request_items=chunk)


def parse(doc: Document) -> JobFile:
    """Decode and check a job-set file (no jobs → armadactl's warning, as an error)."""
    if not isinstance(doc.data, Mapping):
        raise CliError(NO_JOBS) if doc.data is None else doc.fail("the file must hold a mapping")
    envelope = {k: v for k in ("queue", "jobSetId") if (v := get(doc.data, k)) is not None}
    head = decode(doc, envelope, "api.JobSubmitRequest")
    jobs_key = next((str(k) for k in doc.data if str(k).lower() == "jobs"), "jobs")
    jobs = doc.data.get(jobs_key)
    if jobs is not None and not isinstance(jobs, list):
        raise doc.fail("expected a list of jobs", jobs_key)
    if not jobs:
        raise CliError(NO_JOBS)
    items = [
        decode(doc, job, "api.JobSubmitRequestItem", at=f"{jobs_key}[{index}]")
        for index, job in enumerate(jobs)
    ]
    return JobFile(head.queue, head.job_set_id, items)


def _with_client_id(item: Any, ids: UlidFactory) -> Any:
    if item.client_id:
        return item
    filled = type(item)()
    filled.CopyFrom(item)
    filled.client_id = ids.new_id()
    return filled
