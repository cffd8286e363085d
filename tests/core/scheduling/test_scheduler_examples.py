"""The scheduler on small, hand-checked pools."""

from __future__ import annotations

from dataclasses import replace

from scheduling_support import (
    CPU,
    UNLIMITED,
    job,
    node,
    one_pass,
    per_queue,
    placed,
    queues,
    res,
    run,
)

from armada_core.queues import PriorityClassResourceLimits, Queue
from armada_core.scheduling import (
    NodeSelectorTerm,
    PendingKind,
    PreemptionKind,
    PriorityClass,
    RateLimit,
    RateState,
    Requirement,
    Taint,
    TokenBucket,
    Toleration,
)

URGENCY = replace(
    UNLIMITED,
    priority_classes={
        "low": PriorityClass(100, preemptible=True),
        "high": PriorityClass(1000, preemptible=False),
    },
    default_priority_class_name="low",
)


def test_a_one_cpu_node_never_gets_two_one_cpu_jobs() -> None:
    result = one_pass([job("j1"), job("j2")], [node("n1", cpu=1)])
    assert placed(result) == {"j1": "n1"}
    assert result.pending["j2"].kind is PendingKind.DOES_NOT_FIT
    assert "cpu" in result.pending["j2"].message


def test_priority_factors_1_and_2_5_share_4_cpus_as_3_and_1() -> None:
    jobs = [job(f"a{i}", "a") for i in range(8)] + [job(f"b{i}", "b") for i in range(8)]
    result = one_pass(jobs, [node("n1", cpu=4, memory=64)], queue_list=queues(a=1, b=2.5))
    assert per_queue(result) == {"a": 3, "b": 1}
    shares = result.queue_shares
    assert round(shares["a"].fair_share, 3) == round(1 / 1.4, 3)
    assert shares["b"].allocated_share == 0.25


def test_order_in_a_queue_is_priority_then_submission() -> None:
    jobs = [job("j1", priority=5), job("j2", priority=1), job("j3", priority=1)]
    assert placed(one_pass(jobs, [node("n1", cpu=1)])) == {"j2": "n1"}


def test_bin_packing_prefers_the_fuller_node() -> None:
    nodes = [node("n1", cpu=4), node("n2", cpu=4)]
    result = one_pass([job("j1", cpu=1)], nodes, runs=[run("r1", "n2", cpu=2)])
    assert placed(result) == {"j1": "n2"}


def test_non_armada_pods_take_room() -> None:
    busy = node("n1", cpu=2, non_armada_allocated={0: res(cpu=1.5, memory=0)})
    result = one_pass([job("j1", cpu=1)], [busy])
    assert result.pending["j1"].kind is PendingKind.DOES_NOT_FIT


def test_a_job_bigger_than_any_node_is_told_so() -> None:
    result = one_pass([job("j1", cpu=16)], [node("n1")])
    assert result.pending["j1"].message == "requests more than any node has: cpu 16"


def test_a_gang_is_placed_whole_or_not_at_all() -> None:
    gang = [job(f"g{i}", gang=("g", 3)) for i in range(3)]
    result = one_pass(gang, [node("n1", cpu=1), node("n2", cpu=1)])
    assert result.placements == ()
    assert {p.kind for p in result.pending.values()} == {PendingKind.GANG_DOES_NOT_FIT}
    result = one_pass(gang, [node("n1", cpu=1), node("n2", cpu=1), node("n3", cpu=1)])
    assert sorted(placed(result).values()) == ["n1", "n2", "n3"]


def test_an_incomplete_gang_waits() -> None:
    result = one_pass([job("g1", gang=("g", 3)), job("g2", gang=("g", 3))], [node("n1")])
    assert result.placements == ()
    assert result.pending["g1"].kind is PendingKind.GANG_INCOMPLETE
    assert "2 of 3" in result.pending["g1"].message


def test_a_gang_with_a_uniformity_label_stays_within_one_value() -> None:
    nodes = [node(f"a{i}", cpu=1, labels={"zone": "a"}) for i in range(2)] + [
        node(f"b{i}", cpu=1, labels={"zone": "b"}) for i in range(3)
    ]
    gang = [job(f"g{i}", gang=("g", 3), uniformity="zone") for i in range(3)]
    result = one_pass(gang, nodes)
    assert sorted(placed(result).values()) == ["b0", "b1", "b2"]
    result = one_pass([*gang[:2], job("g9", gang=("g", 3), uniformity="zone")], nodes[:4])
    assert result.placements == ()
    assert result.pending["g0"].kind is PendingKind.GANG_DOES_NOT_FIT


def test_a_higher_priority_class_preempts_a_preemptible_job() -> None:
    low = run("r1", "n1", priority_class="low", priority=100)
    result = one_pass(
        [job("j1", priority_class="high")], [node("n1", cpu=1)], [low], config=URGENCY
    )
    assert placed(result) == {"j1": "n1"}
    (preemption,) = result.preemptions
    assert (preemption.run_id, preemption.kind) == ("r1", PreemptionKind.URGENCY)
    assert "j1" in preemption.reason


def test_a_non_preemptible_run_is_never_displaced() -> None:
    firm = run("r1", "n1", priority_class="low", priority=100, preemptible=False)
    result = one_pass(
        [job("j1", priority_class="high")], [node("n1", cpu=1)], [firm], config=URGENCY
    )
    assert result.placements == () and result.preemptions == ()


def test_equal_priorities_never_preempt_each_other() -> None:
    result = one_pass([job("j1", "b")], [node("n1", cpu=1)], [run("r1", "n1", "a")])
    assert result.preemptions == ()
    assert result.pending["j1"].kind is PendingKind.DOES_NOT_FIT


def test_a_queue_above_its_fair_share_loses_preemptible_runs() -> None:
    runs = [run(f"r{i}", "n1", "a") for i in range(4)]
    jobs = [job(f"b{i}", "b") for i in range(4)]
    result = one_pass(jobs, [node("n1", cpu=4, memory=64)], runs)
    assert per_queue(result) == {"b": 2}
    assert [p.kind for p in result.preemptions] == [PreemptionKind.FAIR_SHARE] * 2
    assert {p.queue for p in result.preemptions} == {"a"}


def test_a_queue_within_its_protected_share_keeps_its_runs() -> None:
    runs = [run(f"r{i}", "n1", "a") for i in range(4)]
    config = replace(UNLIMITED, protected_fraction_of_fair_share=2.0)
    result = one_pass([job("b1", "b")], [node("n1", cpu=4, memory=64)], runs, config=config)
    assert result.preemptions == () and result.placements == ()


def test_an_evicted_gang_comes_back_whole_or_not_at_all() -> None:
    runs = [run("r1", "n1", "a", gang_id="g"), run("r2", "n2", "a", gang_id="g")]
    nodes = [node("n1", cpu=1), node("n2", cpu=1)]
    result = one_pass([job("j1", "b")], nodes, runs)
    assert placed(result) == {"j1": "n1"}
    assert {(p.run_id, p.kind) for p in result.preemptions} == {
        ("r1", PreemptionKind.FAIR_SHARE),
        ("r2", PreemptionKind.FAIR_SHARE),
    }


def test_a_gang_losing_one_member_loses_all() -> None:
    runs = [
        run("r1", "n1", "a", priority_class="low", priority=100, gang_id="g"),
        run("r2", "n2", "a", priority_class="low", priority=100, gang_id="g"),
    ]
    nodes = [node("n1", cpu=1), node("n2", cpu=1)]
    protected = replace(URGENCY, protected_fraction_of_fair_share=10.0)
    result = one_pass([job("j1", "b", priority_class="high")], nodes, runs, config=protected)
    assert {(p.run_id, p.kind) for p in result.preemptions} == {
        ("r1", PreemptionKind.URGENCY),
        ("r2", PreemptionKind.GANG),
    }


def test_taints_keep_jobs_off_unless_tolerated() -> None:
    tainted = node("n1", taints=(Taint("gpu", "true", "NoSchedule"),))
    result = one_pass([job("j1")], [tainted])
    assert result.pending["j1"].kind is PendingKind.NO_MATCHING_NODE
    assert "1 untolerated taint" in result.pending["j1"].message
    tolerant = job("j1", tolerations=(Toleration("gpu", "Equal", "true"),))
    assert placed(one_pass([tolerant], [tainted])) == {"j1": "n1"}
    soft = node("n2", taints=(Taint("x", "", "PreferNoSchedule"),))
    assert placed(one_pass([job("j2")], [soft])) == {"j2": "n2"}


def test_node_selectors_and_affinity_choose_the_node() -> None:
    nodes = [node("n1", labels={"disk": "hdd"}), node("n2", labels={"disk": "ssd", "rank": "7"})]
    assert placed(one_pass([job("j1", node_selector={"disk": "ssd"})], nodes)) == {"j1": "n2"}
    pinned = job("j2", node_selector={"kubernetes.io/hostname": "n1"})
    assert placed(one_pass([pinned], nodes)) == {"j2": "n1"}
    above_5 = (NodeSelectorTerm((Requirement("rank", "Gt", ("5",)),)),)
    assert placed(one_pass([job("j3", node_affinity=above_5)], nodes)) == {"j3": "n2"}
    nowhere = (NodeSelectorTerm((Requirement("disk", "In", ("nvme",)),)),)
    result = one_pass([job("j4", node_affinity=nowhere)], nodes)
    assert result.pending["j4"].message == "none of 2 nodes is eligible: 2 node affinity"


def test_unschedulable_nodes_get_nothing() -> None:
    result = one_pass([job("j1")], [node("n1", unschedulable=True)])
    assert result.pending["j1"].kind is PendingKind.NO_MATCHING_NODE


def test_a_cordoned_queue_is_skipped() -> None:
    cordoned = (Queue("a", cordoned=True), Queue("b"))
    result = one_pass([job("a1", "a"), job("b1", "b")], [node("n1")], queue_list=cordoned)
    assert placed(result) == {"b1": "n1"}
    assert result.pending["a1"].kind is PendingKind.QUEUE_CORDONED


def test_rate_limits_are_token_buckets_carried_between_passes() -> None:
    config = replace(UNLIMITED, maximum_scheduling_rate=RateLimit(rate=1.0, burst=2))
    jobs = [job(f"j{i}", cpu=0.1) for i in range(5)]
    first = one_pass(jobs, [node("n1")], config=config, now_ns=10 * CPU)
    assert len(first.placements) == 2
    assert {first.pending[j].kind for j in ("j2", "j3", "j4")} == {PendingKind.RATE_LIMITED}
    assert first.rate_state.overall == TokenBucket(0.0, 10 * CPU)
    left = [j for j in jobs if j.id in first.pending]
    second = one_pass(
        left, [node("n1")], config=config, now_ns=11 * CPU, rate_state=first.rate_state
    )
    assert len(second.placements) == 1


def test_a_queue_rate_limit_stops_only_that_queue() -> None:
    config = replace(UNLIMITED, maximum_per_queue_scheduling_rate=RateLimit(1.0, 5))
    state = RateState(by_queue={"a": TokenBucket(1.0, 0)})
    jobs = [job("a1", "a", cpu=0.1), job("a2", "a", cpu=0.1), job("b1", "b", cpu=0.1)]
    result = one_pass(jobs, [node("n1")], config=config, rate_state=state)
    assert set(placed(result)) == {"a1", "b1"}
    assert result.pending["a2"].kind is PendingKind.RATE_LIMITED
    assert result.rate_state.by_queue["b"].tokens == 4.0


def test_per_queue_limits_by_priority_class() -> None:
    half = PriorityClassResourceLimits(maximum_resource_fraction={"cpu": 0.5})
    limited = (Queue("a", resource_limits_by_priority_class_name={"armada-default": half}),)
    result = one_pass(
        [job(f"a{i}", "a") for i in range(4)], [node("n1", cpu=4)], queue_list=limited
    )
    assert len(result.placements) == 2
    assert result.pending["a2"].kind is PendingKind.QUEUE_LIMIT


def test_a_pass_hands_out_at_most_its_round_fraction() -> None:
    config = replace(UNLIMITED, maximum_resource_fraction_to_schedule={"cpu": 0.5})
    result = one_pass([job(f"j{i}") for i in range(4)], [node("n1", cpu=4)], config=config)
    assert len(result.placements) == 2
    assert result.pending["j3"].kind is PendingKind.ROUND_LIMIT


def test_lookback_limits_the_jobs_examined_per_queue() -> None:
    config = replace(UNLIMITED, max_queue_lookback=2)
    result = one_pass([job(f"j{i}", cpu=0.1) for i in range(3)], [node("n1")], config=config)
    assert len(result.placements) == 2
    assert result.pending["j2"].kind is PendingKind.LOOKBACK


def test_unknown_priority_class_and_empty_pool() -> None:
    result = one_pass([job("j1", priority_class="nope")], [node("n1")])
    assert result.pending["j1"].kind is PendingKind.UNKNOWN_PRIORITY_CLASS
    result = one_pass([job("j1")], [node("n1", pool="other")])
    assert result.pending["j1"].kind is PendingKind.NO_NODES


def test_a_failed_shape_does_not_block_smaller_jobs() -> None:
    jobs = [job("j1", cpu=3), job("j2", cpu=3), job("j3", cpu=1)]
    result = one_pass(jobs, [node("n1", cpu=2)])
    assert placed(result) == {"j3": "n1"}
    assert result.pending["j1"] == result.pending["j2"]
