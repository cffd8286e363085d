"""Create a queue, submit a job and watch its events to its end with the official armada-client.

Run against a local `armada-server` (no config: anonymous access on localhost:50051):

    pip install armada-client
    python examples/quickstart_client.py
"""

from __future__ import annotations

import sys
import uuid

import grpc
from armada_client.client import ArmadaClient
from armada_client.k8s.io.api.core.v1 import generated_pb2 as core_v1
from armada_client.k8s.io.apimachinery.pkg.api.resource import generated_pb2 as resource

TERMINAL = ("succeeded", "failed", "cancelled")


def hello_pod(seconds: int) -> core_v1.PodSpec:
    amounts = {"cpu": resource.Quantity(string="200m"), "memory": resource.Quantity(string="64Mi")}
    container = core_v1.Container(
        name="hello",
        image="busybox:latest",  # not pulled by the local executor: args run as a process
        args=["sh", "-c", f"echo hello from armada; sleep {seconds}"],
        resources=core_v1.ResourceRequirements(requests=amounts, limits=amounts),
    )
    return core_v1.PodSpec(restartPolicy="Never", containers=[container])


def main(target: str = "localhost:50051") -> None:
    client = ArmadaClient(grpc.insecure_channel(target))
    client.create_queue(client.create_queue_request(name="demo", priority_factor=1.0))
    job_set = f"demo-{uuid.uuid4().hex[:8]}"  # a fresh job set: no events of earlier runs
    item = client.create_job_request_item(priority=1, namespace="default", pod_spec=hello_pod(2))
    response = client.submit_jobs(queue="demo", job_set_id=job_set, job_request_items=[item])
    print("submitted", response.job_response_items[0].job_id, "in job set", job_set)
    # The stream stays open for later events: stop at the job's end (with no executor,
    # as behind a server with a config file that starts none, it stays queued).
    stream = client.get_job_events_stream(queue="demo", job_set_id=job_set)
    for message in stream:
        event = client.unmarshal_event_response(message)
        print(message.id, event.type.name, event.message.job_id)
        if event.type.name in TERMINAL:
            break


if __name__ == "__main__":
    main(*sys.argv[1:])
