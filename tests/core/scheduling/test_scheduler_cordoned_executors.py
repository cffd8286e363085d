"""Nodes of a cordoned executor take no new job; their runs keep running and counting."""

from __future__ import annotations

from scheduling_support import job, node, one_pass, placed, queues, run

from armada_core.scheduling import PendingKind


def test_a_cordoned_executors_nodes_get_nothing_new() -> None:
    nodes = [node("a/n1", executor="a", cordoned=True), node("b/n1", cpu=2, executor="b")]
    result = one_pass([job("j1"), job("j2"), job("j3")], nodes)
    assert placed(result) == {"j1": "b/n1", "j2": "b/n1"}
    assert result.pending["j3"].kind is PendingKind.EXECUTOR_CORDONED
    assert result.pending["j3"].message == "only cordoned executors have room for it: a"


def test_only_cordoned_nodes_in_the_pool_say_so() -> None:
    nodes = [node("a/n1", executor="a", cordoned=True), node("b/n1", executor="b", cordoned=True)]
    result = one_pass([job("j1")], nodes)
    assert result.placements == ()
    assert result.pending["j1"].kind is PendingKind.EXECUTOR_CORDONED
    assert result.pending["j1"].message.endswith(": a, b")


def test_a_job_no_cordoned_node_could_take_keeps_its_own_reason() -> None:
    nodes = [node("a/n1", cpu=2, executor="a", cordoned=True), node("b/n1", cpu=2, executor="b")]
    result = one_pass([job("big", cpu=4)], nodes)
    assert result.pending["big"].kind is PendingKind.DOES_NOT_FIT
    selected = job("ssd", node_selector={"disk": "ssd"})
    result = one_pass([selected], nodes)
    assert result.pending["ssd"].kind is PendingKind.NO_MATCHING_NODE
    assert "1 executor cordoned" in result.pending["ssd"].message


def test_runs_on_a_cordoned_executor_still_count_toward_their_queues_share() -> None:
    # Queue a holds 2 CPUs on the cordoned executor; with equal weights and 2 free CPUs
    # left elsewhere, b gets them both: a's share counts what it runs where cordoned.
    nodes = [node("a/n1", cpu=2, executor="a", cordoned=True), node("b/n1", cpu=2, executor="b")]
    held = [run("r1", "a/n1", queue="a"), run("r2", "a/n1", queue="a")]
    jobs = [job("a1", "a"), job("b1", "b"), job("b2", "b")]
    result = one_pass(jobs, nodes, held, queue_list=queues(a=1, b=1))
    assert placed(result) == {"b1": "b/n1", "b2": "b/n1"}
    assert result.preemptions == ()
