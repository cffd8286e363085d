"""Start-up cost of the configuration: importing the server and reading a full config.

    PYTHONPATH=$PWD python bench/bench_config.py [runs] [code checkout, default: this one]

Each figure is the best of `runs` fresh interpreters (CPU seconds, user + system, so a
busy shared machine disturbs it less than wall time): `import` is
`import armada_adapters.server.main`, `first parse` reads this checkout's README
example (every section) in a process that has imported the server: `load_config`,
then the sections read at start-up (submission, when the core read it; the auth
backends'); `parse` is the same again in the same process. Give another checkout
(e.g. the release before) to compare.
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
from armada_auth.config import parse_basic, parse_kerberos, parse_openid
from armada_core.submission import SubmissionConfig
from pathlib import Path
def read():
    config = load_config(Path(sys.argv[1]), {})
    if hasattr(SubmissionConfig, "from_mapping"):  # before: the core read it at start-up
        SubmissionConfig.from_mapping(config.submission)
    parse_basic(config.auth["basicAuth"])
    parse_openid(config.auth["openIdAuth"])
    parse_kerberos(config.auth["kerberos"])
t1 = cpu()
read()
t2 = cpu()
read()
t3 = cpu()
print(json.dumps({"import": t1 - t0, "first parse": t2 - t1, "parse": t3 - t2}))
"""


def readme_config() -> str:
    """The README's complete example config (the first yaml block after "## Configuration")."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1]
    return section.split("```yaml\n", 1)[1].split("```", 1)[0]


def main(runs: int, code: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "armada.yaml"
        path.write_text(readme_config(), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(code)}
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
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 7,
        Path(sys.argv[2]) if len(sys.argv) > 2 else REPO,
    )
