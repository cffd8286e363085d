"""cgroup v2 limits, against a directory shaped like cgroupfs (this machine has no v2
memory controller to delegate; `CgroupV2.detect` says so and RLIMIT_AS is used)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from executor_support import make_host, make_plan, shell

from armada_core.quantity import Quantity
from armada_executor.cgroups import CgroupV2, Limits
from armada_executor.messages import OOM
from armada_executor.outcome import Phase
from armada_executor.process import SETPRIV
from armada_executor.runner import PodRun

pytestmark = pytest.mark.anyio
root_only = pytest.mark.skipif(os.geteuid() != 0, reason="cgroups are used by a root executor")


def fake_mount(tmp_path: Path, controllers: str) -> Path:
    (tmp_path / "cgroup.controllers").write_text(controllers + "\n")
    (tmp_path / "cgroup.subtree_control").write_text("")
    return tmp_path


def test_no_memory_controller_means_no_cgroups(tmp_path):
    assert CgroupV2.detect(fake_mount(tmp_path, "hugetlb")) is None


@root_only
def test_with_the_controllers_a_parent_is_made_with_them_enabled(tmp_path):
    cgroups = CgroupV2.detect(fake_mount(tmp_path, "cpuset cpu io memory pids"))
    assert cgroups is not None and cgroups.parent == tmp_path / "armada-executor"
    assert (tmp_path / "cgroup.subtree_control").read_text() == "+cpu +memory"
    assert (cgroups.parent / "cgroup.subtree_control").read_text() == "+cpu +memory"


def test_a_container_cgroup_gets_its_limits(tmp_path):
    cgroups = CgroupV2(tmp_path)
    group = cgroups.create("run-main", Limits(128 * 1024 * 1024, Quantity.parse("500m")))
    assert (group / "memory.max").read_text() == str(128 * 1024 * 1024)
    assert (group / "cpu.max").read_text() == "50000 100000"
    assert not cgroups.oom_killed(group)
    (group / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    assert cgroups.oom_killed(group)


@pytest.mark.skipif(SETPRIV is None, reason="cgroups are joined through the setpriv launcher")
async def test_a_container_joins_its_cgroup_instead_of_rlimit_and_oom_is_read_there(
    work_dir, tmp_path
):
    cgroups = CgroupV2(tmp_path)
    host = replace(make_host(work_dir), cgroups=cgroups)
    limited = {"resources": {"limits": {"memory": "64Mi"}, "requests": {"memory": "64Mi"}}}
    spec = {"containers": [shell("ulimit -v; exit 1", **limited)]}
    group = tmp_path / "run1-main"
    group.mkdir()
    (group / "memory.events").write_text("oom_kill 1\n")  # as the kernel would count it
    outcome = await PodRun(make_plan(spec), host, lambda: None).run()
    host.files.drain()
    assert (group / "cgroup.procs").read_text().strip() == "0"  # the child wrote itself in
    assert (group / "memory.max").read_text() == str(64 * 1024 * 1024)
    [failure] = outcome.failures
    assert outcome.phase is Phase.FAILED and failure.reason == "OOMKilled"
    assert outcome.kubernetes_reason == OOM
    assert failure.message == "unlimited"  # no RLIMIT_AS where the cgroup limits memory
