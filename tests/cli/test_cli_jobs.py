"""submit / reprioritize / cancel / preempt / watch against the real server (§6-§10, §13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Armadactl, job_details, submitted_id, unstamped
from e2e_support import ServerProcess

# spec §6.1's example file, with explicit false/0 values that must survive
JOB_FILE = """\
queue: {queue}
jobSetId: set1
jobs:
  - priority: 0
    namespace: armada-example
    clientId: {client_id}
    labels: {{k: v}}
    annotations: {{note: kept}}
    podSpec:
      restartPolicy: Never
      containers:
        - name: sleeper
          image: alpine:3.20
          command: [sh, -c]
          args: ["sleep 1"]
          securityContext: {{privileged: false, runAsUser: 0}}
          resources:
            limits: {{memory: 64Mi, cpu: 1}}
            requests: {{memory: 64Mi, cpu: "1"}}
"""


def job_file(tmp_path: Path, queue: str, client_id: str = '""') -> Path:
    path = tmp_path / "job.yaml"
    path.write_text(JOB_FILE.format(queue=queue, client_id=client_id))
    return path


def test_submit_stores_what_the_file_says(
    armadactl: Armadactl, server: ServerProcess, tmp_path: Path
) -> None:
    armadactl("create", "queue", "subq")
    result = armadactl("submit", str(job_file(tmp_path, "subq")))
    assert result.code == 0, result.err
    details = job_details(server, submitted_id(result.out))
    spec = details["jobSpec"]
    assert (spec["queue"], spec["jobSetId"], spec["namespace"]) == (
        "subq",
        "set1",
        "armada-example",
    )
    assert len(spec["clientId"]) == 26  # a fresh ULID for an empty clientId
    assert spec["labels"] == {"k": "v"} and spec["annotations"]["note"] == "kept"
    container = spec["podSpec"]["containers"][0]
    assert container["securityContext"] == {"privileged": False, "runAsUser": 0}
    assert (container["command"], container["args"]) == (["sh", "-c"], ["sleep 1"])
    assert container["resources"]["limits"]["cpu"] == "1"
    assert container["resources"]["requests"] == {
        **container["resources"]["requests"],
        "memory": "64Mi",
        "cpu": "1",
    }
    assert spec["podSpec"]["restartPolicy"] == "Never"


def test_dry_run_submits_nothing(armadactl: Armadactl, tmp_path: Path) -> None:
    armadactl("create", "queue", "dryq")
    path = job_file(tmp_path, "dryq")
    assert armadactl("submit", str(path), "--dry-run").out == ""
    missing = armadactl("watch", "dryq", "set1")
    assert missing.code == 1 and "code = NotFound" in missing.err


def test_bad_job_files_name_the_line_and_the_reason(armadactl: Armadactl, tmp_path: Path) -> None:
    def submit(text: str) -> str:
        path = tmp_path / "bad.yaml"
        path.write_text(text)
        result = armadactl("submit", str(path))
        assert result.code == 1 and result.out == ""
        assert "Traceback" not in result.err
        return result.err.replace(str(path), "F")

    typed = JOB_FILE.format(queue="q", client_id='""').replace("runAsUser: 0", "runAsUser: root")
    assert submit(typed) == (
        "Error: Failed to parse file F because: line 16: jobs[0].podSpec.containers[0]."
        "securityContext.runAsUser: expected integer, got string\n"
    )
    assert submit("queue: q\njobs:\n  - priority: [\n").startswith(
        "Error: Failed to parse file F because: line 4, column 1: "
    )
    assert submit("queue: q\njobSetId: s\njobs: []\n") == (
        "Error: Warning: You have provided no jobs to submit.\n"
    )
    assert submit("queue: q\njobs:\n  - priority: high\n") == (
        "Error: Failed to parse file F because: line 3: jobs[0].priority: "
        "expected number, got string\n"
    )


def test_example_session_submit_reprioritize_cancel_watch(
    armadactl: Armadactl, tmp_path: Path
) -> None:
    armadactl("create", "queue", "q1")
    job = submitted_id(armadactl("submit", str(job_file(tmp_path, "q1"))).out)
    reprioritized = armadactl("reprioritize", "job", "q1", "set1", job, "2")
    assert reprioritized.lines == ["Reprioritized jobs with ID:", job]
    cancelled = armadactl("cancel", "job", "q1", "set1", job)
    assert cancelled.lines == [
        f"Requesting cancellation of jobs matching queue: q1, job set: set1, and job ID: {job}",
        f"Requested cancellation for jobs {job}",
    ]
    watched = armadactl("watch", "q1", "set1", "--exit-if-inactive")
    assert watched.code == 0, watched.err
    counts = (
        "Queued: {}, Leased:   0, Pending:   0, Running:   0, Succeeded:   0, Failed:   0, "
        "Cancelled: {}"
    )
    lines = unstamped(watched.out).splitlines()
    assert lines[0] == "Watching job set set1"
    assert lines[1] == f"<t> | {counts.format('  0', '  0')} | JobSubmittedEvent, job id: {job}"
    assert lines[2] == f"<t> | {counts.format('  1', '  0')} | JobQueuedEvent, job id: {job}"
    assert (
        f"<t> | {counts.format('  1', '  0')} | JobReprioritizedEvent, job id: {job}, "
        "user: anonymous" in lines
    )
    assert lines[-1] == (
        f"<t> | {counts.format('  0', '  1')} | JobCancelledEvent, job id: {job}, user: anonymous"
    )
    raw = armadactl("watch", "q1", "set1", "--exit-if-inactive", "--raw")
    assert raw.lines[1].startswith(
        '*api.JobSubmittedEvent {"jobId":"' + job + '","jobSetId":"set1"'
    )
    assert raw.lines[-1].startswith('*api.JobCancelledEvent {"jobId":"' + job + '"')


def test_cancel_job_set_preempt_and_reprioritize_errors(
    armadactl: Armadactl, tmp_path: Path
) -> None:
    armadactl("create", "queue", "q2")
    job = submitted_id(armadactl("submit", str(job_file(tmp_path, "q2"))).out)
    bad = armadactl("reprioritize", "job-set", "q2", "set1", "high")
    assert bad.err == (
        "Error: error converting high to float64: "
        'strconv.ParseFloat: parsing "high": invalid syntax\n'
    )
    preempt = armadactl("preempt", "job", "q2", "set1", job, "testing")
    assert preempt.lines[0] == (
        f"Requesting preemption of job matching queue: q2, job set: set1, and job Id: {job}"
    )
    cancel = armadactl("cancel", "job-set", "q2", "set1")
    assert cancel.lines == [
        "Requesting cancellation of job set matching queue: q2, job set: set1",
        "Requested cancellation for job set set1",
    ]
    assert cancel.code == 0


def test_watch_of_an_unknown_job_set_fails(armadactl: Armadactl) -> None:
    result = armadactl("watch", "nosuchqueue", "nosuchset")
    assert result.lines == ["Watching job set nosuchset"]
    assert result.code == 1
    assert result.err.startswith("Error: rpc error: code = NotFound desc = ")
    assert len(result.err.splitlines()) == 1


@pytest.mark.parametrize("flags", [("--force-new-events", "--force-legacy-events")])
def test_watch_debug_flags_are_exclusive(armadactl: Armadactl, flags: tuple[str, str]) -> None:
    result = armadactl("watch", "q", "s", *flags)
    assert result.err == "Error: force-new-events and force-legacy-events are exclusive\n"
