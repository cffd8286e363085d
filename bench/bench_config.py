"""Start-up cost of the configuration: importing the server and reading a full config.

    PYTHONPATH=$PWD python bench/bench_config.py [runs]

Each figure is the best of `runs` fresh interpreters (CPU seconds, user + system, so a
busy shared machine disturbs it less than wall time): `import` is
`import armada_adapters.server.main`, `first parse` is `load_config` on the README's
full example (every section) in a process that has imported the server, which
includes building any schema; `parse` is a second `load_config` in the same process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, logging, resource, sys, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
logging.disable(logging.WARNING)
t0 = cpu()
import armada_adapters.server.main
from armada_adapters.server.config import load_config
t1 = cpu()
from pathlib import Path
load_config(Path(sys.argv[1]), {})
t2 = cpu()
load_config(Path(sys.argv[1]), {})
t3 = cpu()
print(json.dumps({"import": t1 - t0, "first parse": t2 - t1, "parse": t3 - t2}))
"""


def readme_config() -> str:
    """The README's complete example config (the first yaml block after "## Configuration")."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "armada.yaml"
        path.write_text(readme_config(), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        results = [
            json.loads(
                subprocess.run(
                    [sys.executable, "-c", CHILD, str(path)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
            )
            for _ in range(runs)
        ]
    for name in ("import", "first parse", "parse"):
        best = min(r[name] for r in results)
        print(f"{name:12s} {best * 1000:7.1f} ms CPU (best of {runs})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
