"""logs JOB_ID through Binoculars: a fake Binoculars in-process, the real server for job lookups."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from cli_support import Armadactl
from e2e_support import ServerProcess
from fake_binoculars import LOG_LINES, FakeBinoculars, running

JOB = """\
queue: logsq
jobSetId: set1
jobs:
  - namespace: team-ns
    podSpec:
      containers:
        - name: main
          image: alpine:3.20
          resources: {limits: {memory: 64Mi, cpu: 1}, requests: {memory: 64Mi, cpu: 1}}
"""


@pytest.fixture
def binoculars() -> Iterator[FakeBinoculars]:
    with running(FakeBinoculars()) as fake:
        yield fake


def _submitted(armadactl: Armadactl, tmp_path: Path) -> str:
    armadactl("create", "queue", "logsq")
    (tmp_path / "job.yaml").write_text(JOB)
    result = armadactl("submit", str(tmp_path / "job.yaml"))
    assert result.code == 0, result.err
    return result.out.split()[4]


def test_logs_of_a_submitted_job_in_its_namespace(
    armadactl: Armadactl, binoculars: FakeBinoculars, tmp_path: Path
) -> None:
    job_id = _submitted(armadactl, tmp_path)
    result = armadactl(
        "logs", job_id, "--binocularsUrl", binoculars.target,
        "--container", "main", "--tail", "10", "--since", "1m30.5s", "--pod-number", "1",
    )  # fmt: skip
    assert (result.code, result.out, result.err) == (0, "hello\nworld\n", "")
    [sent] = binoculars.requests
    assert (sent.job_id, sent.pod_number, sent.pod_namespace) == (job_id, 1, "team-ns")
    options = sent.log_options
    assert (options.container, options.tailLines, options.sinceSeconds) == ("main", 10, 91)
    assert not options.HasField("previous") and sent.since_time == ""


def test_url_from_the_context_and_timestamps(
    armadactl: Armadactl, binoculars: FakeBinoculars
) -> None:
    settings = yaml.safe_load(armadactl.config.read_text())
    settings["contexts"]["main"]["binocularsUrl"] = binoculars.target
    armadactl.config.write_text(yaml.safe_dump(settings))
    # --namespace given: no lookup, so a job the API does not know is fine
    result = armadactl(
        "logs", "01unknown", "-n", "ns1", "--timestamps", "--previous",
        "--since-time", "2024-08-21T13:13:00Z",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.lines == [f"{stamp} {text}" for stamp, text in LOG_LINES]
    [sent] = binoculars.requests
    assert (sent.pod_namespace, sent.since_time) == ("ns1", "2024-08-21T13:13:00Z")
    assert sent.log_options.previous is True and not sent.log_options.HasField("tailLines")


def test_cluster_placeholder_is_the_latest_runs_cluster(
    armadactl: Armadactl, tmp_path: Path
) -> None:
    runs = [
        {"runId": "r1", "jobId": "j1", "cluster": "gone.invalid"},
        {"runId": "r2", "jobId": "j1", "cluster": "127.0.0.1"},
    ]
    details = {"jobId": "j1", "namespace": "ns2", "latestRunId": "r2", "jobRuns": runs}
    with running(FakeBinoculars(jobs={"j1": details})) as fake:
        result = armadactl(
            "--armadaUrl", fake.target, "logs", "j1",
            "--binocularsUrl", f"{{CLUSTER_ID}}:{fake.port}",
        )  # fmt: skip
        assert (result.code, result.out) == (0, "hello\nworld\n"), result.err
        assert fake.requests[0].pod_namespace == "ns2"


def test_a_job_that_has_not_run_has_no_cluster(armadactl: Armadactl, tmp_path: Path) -> None:
    job_id = _submitted(armadactl, tmp_path)
    result = armadactl("logs", job_id, "--binocularsUrl", "{CLUSTER_ID}:8080")
    assert (result.code, result.err) == (
        1,
        f"Error: job {job_id} has not run on any cluster yet: no Binoculars to ask\n",
    )


def test_one_line_errors(armadactl: Armadactl, server: ServerProcess) -> None:
    missing = armadactl("logs", "j1")
    assert missing.code == 1
    assert missing.err.startswith("Error: no Binoculars URL: set binocularsUrl in the context")
    # our API server does not serve Binoculars: UNIMPLEMENTED, said plainly
    unserved = armadactl("logs", "j1", "-n", "ns", "--binocularsUrl", server.grpc_target)
    assert unserved.code == 1 and len(unserved.err.splitlines()) == 1
    assert unserved.err.startswith(
        f"Error: the server at {server.grpc_target} does not serve Binoculars logs "
        "(rpc error: code = Unimplemented"
    )
    unknown = armadactl("logs", "01nosuchjob", "--binocularsUrl", "x:1")
    assert (unknown.code, unknown.err) == (1, "Error: job 01nosuchjob not found\n")
    for flags, text in (
        (("--since", "5 minutes"), 'Error: invalid argument "5 minutes" for "--since" flag: '),
        (("--since-time", "yesterday"), 'Error: invalid argument "yesterday" for "--since-time"'),
        (("--since", "1s", "--since-time", "2024-01-01T00:00:00Z"), "Error: at most one of"),
    ):
        result = armadactl("logs", "j1", "-n", "ns", "--binocularsUrl", "x:1", *flags)
        assert result.code == 1 and result.err.startswith(text), result.err
