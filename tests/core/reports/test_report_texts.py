"""The report texts against the spec's layouts (retry-reports-ops.md 3.3-3.6): Go's
tabwriter, time and duration strings, resource lists, and the three reports."""

from __future__ import annotations

from collections.abc import Mapping

from armada_core.reports import PoolRound, QueueRound, render
from armada_core.reports.text import go_duration, go_time, resource_list, tabwrite
from armada_core.scheduling import Node

GI = 2**30 * 10**9
CPU = 10**9
JOB = "01hx8y0j4d6vj4w1d0rq5m2c7k"
WALL = 1_714_557_600_123_456_789  # 2024-05-01 10:00:00.123456789 UTC
UPTIME = 3_600_000_000_001


def queue(name: str = "q", **kwargs: object) -> QueueRound:
    fields: dict[str, object] = {
        "scheduled": (),
        "preempted": (),
        "scheduled_by_class": {},
        "preempted_by_class": {},
        "allocated_by_class": {},
        "unschedulable": {},
    }
    fields.update(kwargs)
    return QueueRound(name=name, **fields)  # type: ignore[arg-type]


def pool_round(pool: str, queues: Mapping[str, QueueRound], nodes: int = 3) -> PoolRound:
    return PoolRound(
        pool=pool,
        started_ns=WALL,
        finished_ns=WALL + 12_300_000,
        uptime_ns=UPTIME,
        termination="no remaining candidate jobs",
        resource_order=("cpu", "memory"),
        capacity={"cpu": 48 * CPU, "memory": 96 * GI},
        gangs_scheduled=0,
        queues=queues,
        nodes=tuple(Node(f"n{i}", "ex", pool, {}) for i in range(nodes)),
        free={},
        node_id_label="kubernetes.io/hostname",
        placed={},
        tried={},
    )


def test_tabwriter_pads_each_run_of_a_column_to_its_widest_cell() -> None:
    text = "a:\tx\nlonger:\ty\nno tab\nb:\tz\n\tindented\n"
    assert tabwrite(text) == "a:      x\nlonger: y\nno tab\nb: z\n   indented\n"
    # the last cell is never padded; an empty value keeps the label's padding
    assert tabwrite("label:\t\nlabel two:\tv\n") == "label:     \nlabel two: v\n"


def test_go_time_duration_and_resource_lists() -> None:
    assert go_time(WALL, UPTIME) == "2024-05-01 10:00:00.123456789 +0000 UTC m=+3600.000000001"
    assert go_time(WALL - 123_456_789, 0) == "2024-05-01 10:00:00 +0000 UTC m=+0.000000000"
    assert [go_duration(n) for n in (0, 850, 1_500, 12_300_000, 1_500_000_000)] == [
        "0s",
        "850ns",
        "1.5µs",
        "12.3ms",
        "1.5s",
    ]
    assert go_duration(3_723_500_000_000) == "1h2m3.5s"
    assert resource_list({"memory": GI, "cpu": CPU // 2, "gpu": 0}, ("cpu", "memory")) == (
        "(cpu=500m,memory=1073741824)"
    )
    assert resource_list({"cpu": 0}, ("cpu",)) == "()"
    assert resource_list(None, ("cpu",)) == "(empty)"


def test_job_report_is_the_spec_example() -> None:
    waiting = queue(unschedulable={JOB: "job does not fit on any node"})
    rounds = [pool_round("default", {"q": waiting}), pool_round("gpu", {"q": queue()})]
    excluded = [
        (2, "pod requires 64 cpu, but only 16 is available"),
        (1, "taint gpu=true:NoSchedule not tolerated"),
    ]
    text = render.job_report(rounds, JOB, lambda round, job: excluded)
    assert text == (
        "default:\n"
        f" Most recent scheduling round that affected job {JOB}:\n"
        "  Time:                2024-05-01 10:00:00.123456789 +0000 UTC m=+3600.000000001\n"
        f"  Job ID:              {JOB}\n"
        "  UnschedulableReason: job does not fit on any node\n"
        "  Node:                       none\n"
        "  Number of nodes in cluster: 3\n"
        "  Excluded nodes:\n"
        "   2: pod requires 64 cpu, but only 16 is available\n"
        "   1: taint gpu=true:NoSchedule not tolerated\n"
        "gpu:\n"
        f" Most recent scheduling round that affected job {JOB}: none\n"
    )


def test_job_stopped_before_any_node_has_no_pod_block() -> None:
    rounds = [pool_round("default", {"q": queue(unschedulable={JOB: "queue cordoned"})})]
    text = render.job_report(rounds, JOB, lambda round, job: None)
    assert text.endswith("  UnschedulableReason: queue cordoned\n")
    assert "Node:" not in text


def test_no_rounds_is_an_empty_report() -> None:
    assert render.job_report([], JOB, lambda round, job: None) == ""
    assert render.queue_report([], "q", 0) == ""
    assert render.scheduling_report([], 0) == ""


def test_scheduling_report_at_verbosity_zero() -> None:
    held = {"armada-default": {"cpu": 2 * CPU, "memory": 2 * GI}}
    q = queue(scheduled=("a", "b"), scheduled_by_class=held, allocated_by_class=held)
    text = render.scheduling_report([pool_round("default", {"q": q, "r": queue("r")})], 0)
    assert text == (
        "default:\n"
        " Most recent scheduling round:\n"
        "  Started:                   2024-05-01 10:00:00.123456789 +0000 UTC m=+3600.000000001\n"
        "  Finished:                  2024-05-01 10:00:00.135756789 +0000 UTC m=+3600.012300001\n"
        "  Duration:                  12.3ms\n"
        "  Termination reason:        no remaining candidate jobs\n"
        "  Total capacity:            (cpu=48,memory=103079215104)\n"
        "  Scheduled resources:       (cpu=2,memory=2147483648)\n"
        "  Preempted resources:       ()\n"
        "  Number of gangs scheduled: 0\n"
        "  Number of jobs scheduled:  2\n"
        "  Number of jobs preempted:  0\n"
        "  Scheduled queues:          [q]\n"
        "  Preempted queues:          []\n"
    )


def test_queue_report_forms_by_verbosity() -> None:
    held = {"armada-default": {"cpu": 2 * CPU}}
    reasons = {"j1": "queue cordoned", "j2": "resource limit exceeded", "j3": "queue cordoned"}
    q = queue(scheduled=("a", "b", "c"), allocated_by_class=held, unschedulable=reasons)
    rounds = [pool_round("default", {"q": q})]
    short = render.queue_report(rounds, "q", -1)
    widest = "Preempted by optimiser resources (by priority):"
    assert short.splitlines()[2:] == [
        "  " + "Scheduled resources:".ljust(len(widest) + 1) + "()",
        "  " + "Scheduled resources (by priority):".ljust(len(widest) + 1),
        "  " + "Preempted resources:".ljust(len(widest) + 1) + "()",
        "  " + "Preempted resources (by priority):".ljust(len(widest) + 1),
        "  " + "Preempted by optimiser resources:".ljust(len(widest) + 1) + "()",
        "  " + widest + " ",
    ]
    full = render.queue_report(rounds, "q", 0).splitlines()
    label = "Total allocated resources after scheduling by for priority class armada-default: "
    assert f"  {label}(cpu=2)" in full
    assert "  Queue:" + " " * (len(label) - len("Queue:")) + "q" in full  # one aligned block
    assert (
        "  Scheduled jobs:"
        + " " * (len(label) - len("Scheduled jobs:"))
        + ("[a] (and 2 others not shown)")
        in full
    )
    assert full[-3:] == [
        "  Unschedulable jobs:",
        "   2: queue cordoned (e.g., j1)",
        "   1: resource limit exceeded (e.g., j2)",
    ]
    other = render.queue_report(rounds, "other", 0)
    assert other == "default:\n Most recent scheduling round that considered queue other: none\n"


def test_scheduling_report_nests_queue_reports_from_verbosity_one() -> None:
    q = queue(scheduled=("a",))
    text = render.scheduling_report([pool_round("default", {"q": q})], 1).splitlines()
    at = text.index("  Scheduled queues:")
    assert text[at + 1] == "   q:"
    assert text[at + 2].startswith("    Scheduled resources:")  # the short (six-line) form
    assert text[at + 8] == "  Preempted queues:"
