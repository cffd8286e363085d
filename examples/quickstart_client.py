"""Create a queue, submit a job and watch its events with the official armada-client.

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


def sleep_pod(seconds: int) -> core_v1.PodSpec:
    amounts = {"cpu": resource.Quantity(string="200m"), "memory": resource.Quantity(string="64Mi")}
    container = core_v1.Container(
        name="sleep",
        image="busybox:latest",
        args=["sleep", str(seconds)],
        resources=core_v1.ResourceRequirements(requests=amounts, limits=amounts),
    )
    return core_v1.PodSpec(restartPolicy="Never", containers=[container])


def main(target: str = "localhost:50051") -> None:
    client = ArmadaClient(grpc.insecure_channel(target))
    client.create_queue(client.create_queue_request(name="demo", priority_factor=1.0))
    job_set = f"demo-{uuid.uuid4().hex[:8]}"  # a fresh job set: no events of earlier runs
    item = client.create_job_request_item(priority=1, namespace="default", pod_spec=sleep_pod(10))
    response = client.submit_jobs(queue="demo", job_set_id=job_set, job_request_items=[item])
    print("submitted", response.job_response_items[0].job_id, "in job set", job_set)
    # The stream stays open for later events; with no executor attached the job gets
    # no further than submitted and queued, so stop after those two.
    stream = client.get_job_events_stream(queue="demo", job_set_id=job_set)
    for seen, message in enumerate(stream, start=1):
        event = client.unmarshal_event_response(message)
        print(message.id, event.type.name, event.message.job_id)
        if seen == 2:
            break


if __name__ == "__main__":
    main(*sys.argv[1:])
