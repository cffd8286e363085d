"""Plans built from several threads at once: each thread waits for the one building.

A fresh interpreter per attempt, so the plans really are unbuilt when the threads
start (a process-wide cache keeps them afterwards)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

_SCRIPT = """
import threading
from armada_adapters.wire.jsoncodec import from_json, to_json
from armada_adapters.wire.pool import message_class

cls = message_class("api.JobSubmitRequest")
data = {"queue": "q", "jobSetId": "s", "jobRequestItems": [{"priority": 1, "podSpec": {
    "containers": [{"name": "c", "command": ["true"],
                    "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "1"}}}]}}]}
barrier, results = threading.Barrier(8), []

def work():
    barrier.wait()
    try:
        results.append(to_json(from_json(data, cls))["queue"])
    except BaseException as exc:
        results.append(repr(exc)[:200])

threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(sorted(set(results)))
"""


def test_threads_building_the_same_plans_at_once_all_succeed() -> None:
    for _ in range(5):
        done = subprocess.run(
            [sys.executable, "-c", _SCRIPT],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == "['q']", done.stdout[-2000:]
