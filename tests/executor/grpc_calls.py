"""Blocking calls to the public API (grpcio, our upb messages) for the end-to-end tests.

Each job goes in a job set of its own, so its events are read without filtering.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import grpc

from armada_adapters.wire.jsoncodec import from_json
from armada_adapters.wire.pool import message_class

REPO = Path(__file__).resolve().parents[2]
QUEUE = message_class("api.Queue")
EMPTY = message_class("google.protobuf.Empty")
SUBMIT = message_class("api.JobSubmitRequest")
SUBMIT_REPLY = message_class("api.JobSubmitResponse")
CANCEL = message_class("api.JobCancelRequest")
CANCEL_REPLY = message_class("api.CancellationResult")
JOB_SET = message_class("api.JobSetRequest")
EVENT = message_class("api.EventStreamMessage")
TERMINAL = ("succeeded", "failed", "cancelled")
_job_sets = itertools.count()


class ApiCalls:
    def __init__(self, port: int) -> None:
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.job_sets: dict[str, str] = {}
        try:
            self._unary(
                "/api.Submit/CreateQueue",
                from_json({"name": "e2e", "priorityFactor": 1}, QUEUE),
                EMPTY,
            )
        except grpc.RpcError as exc:
            if exc.code() is not grpc.StatusCode.ALREADY_EXISTS:
                raise

    def close(self) -> None:
        self.channel.close()

    def submit(self, container: dict[str, Any], *, cpu: str = "100m", memory: str = "64Mi",
               grace: int | None = None) -> str:  # fmt: skip
        resources = {"cpu": cpu, "memory": memory}
        container = {**container, "resources": {"requests": resources, "limits": resources}}
        spec: dict[str, Any] = {"containers": [container]}
        if grace is not None:
            spec["terminationGracePeriodSeconds"] = grace
        return self.submit_spec(spec)

    def submit_spec(self, spec: dict[str, Any]) -> str:
        resources = {"cpu": "100m", "memory": "64Mi"}
        for container in (*spec.get("initContainers", ()), *spec["containers"]):
            container.setdefault("resources", {"requests": resources, "limits": resources})
        job_set = f"set-{time.time_ns()}-{next(_job_sets)}"
        item = {"namespace": "default", "priority": 0, "podSpec": spec}
        request = from_json(
            {"queue": "e2e", "jobSetId": job_set, "jobRequestItems": [item]}, SUBMIT
        )
        reply = self._unary("/api.Submit/SubmitJobs", request, SUBMIT_REPLY)
        job_id = str(reply.job_response_items[0].job_id)
        assert not reply.job_response_items[0].error, reply
        self.job_sets[job_id] = job_set
        return job_id

    def cancel(self, job_id: str) -> None:
        request = CANCEL(job_id=job_id, job_set_id=self.job_sets[job_id], queue="e2e")
        self._unary("/api.Submit/CancelJobs", request, CANCEL_REPLY)

    def events(self, job_id: str, *, watch: bool, timeout: float) -> Any:
        request = from_json({"queue": "e2e", "id": self.job_sets[job_id], "watch": watch}, JOB_SET)
        call = self.channel.unary_stream(
            "/api.Event/GetJobSetEvents",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=EVENT.FromString,
        )
        return call(request, timeout=timeout)

    def until_kind(self, job_id: str, *kinds: str, timeout: float = 30) -> list[Any]:
        """The job's events up to the first of `kinds`."""
        seen = []
        for message in self.events(job_id, watch=True, timeout=timeout):
            seen.append(message.message)
            if message.message.WhichOneof("events") in kinds:
                return seen
        raise AssertionError(f"the job's events ended before {kinds}: {seen}")

    def until_ended(self, job_id: str, timeout: float = 30) -> list[Any]:
        return self.until_kind(job_id, *TERMINAL, timeout=timeout)

    def ended(self, job_id: str) -> Any | None:
        """The job's terminal event so far, None while it has none."""
        for message in self.events(job_id, watch=False, timeout=10):
            if message.message.WhichOneof("events") in TERMINAL:
                return message.message
        return None

    def logs(self, work_dir: Path, job_id: str) -> str:
        """What `armada-executor logs JOB_ID` prints for an executor with `work_dir`."""
        config = work_dir.parent / f"logs-{job_id}.yaml"
        config.write_text(f"local: {{workDir: '{work_dir}'}}\n")
        done = subprocess.run(
            [sys.executable, "-m", "armada_executor", "--config", str(config), "logs", job_id],
            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
        return done.stdout

    def _unary(self, path: str, request: Any, reply: Any) -> Any:
        call = self.channel.unary_unary(
            path,
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=reply.FromString,
        )
        return call(request, timeout=30)


def running_processes(cmdline: str, job_id: str | None = None) -> list[int]:
    """Live processes whose command line is exactly `cmdline` (words split on spaces),
    of job `job_id` only if given (other tests on this machine may run the same line)."""
    wanted = cmdline.replace(" ", "\0").encode()
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if (proc / "cmdline").read_bytes().rstrip(b"\0") == wanted:
                    state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
                    if state != "Z" and _of_job(proc, job_id):
                        found.append(int(proc.name))
            except OSError:
                continue
    return found


def _of_job(proc: Path, job_id: str | None) -> bool:
    if job_id is None:
        return True
    return f"ARMADA_JOB_ID={job_id}".encode() in (proc / "environ").read_bytes().split(b"\0")
