"""Create a queue, submit a job and watch its events with the official armada-client.

Run against a local `armada-server` (no config: anonymous access on localhost:50051):

    pip install armada-client
    python examples/quickstart_client.py
"""

from __future__ import annotations

import sys

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
    item = client.create_job_request_item(priority=1, namespace="default", pod_spec=sleep_pod(10))
    response = client.submit_jobs(queue="demo", job_set_id="demo-set", job_request_items=[item])
    job_id = response.job_response_items[0].job_id
    print("submitted", job_id)
    stream = client.get_job_events_stream(queue="demo", job_set_id="demo-set")
    for seen, message in enumerate(stream, start=1):
        event = client.unmarshal_event_response(message)
        print(message.id, event.type.name, event.message.job_id)
        if seen == 2:  # submitted, queued: no executor runs the job yet
            break


if __name__ == "__main__":
    main(*sys.argv[1:])
