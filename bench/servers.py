"""Start the servers a benchmark talks to, each in its own process, on 127.0.0.1."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
READY = re.compile(r"armada-server ready: gRPC on [^ ]+:(\d+), REST on [^ ]+:(\d+)")
NOOP_READY = re.compile(r"noop ready: (\d+)")


class Process:
    """A server subprocess; its ports come from the line it prints when ready."""

    def __init__(self, args: list[str], pattern: re.Pattern[str], cwd: Path) -> None:
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
            ARMADA_GRPCPORT="0",
            ARMADA_HTTPPORT="0",
            ARMADA_BINDADDRESS="127.0.0.1",
        )
        self.proc = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.ports = self._wait(pattern)

    def _wait(self, pattern: re.Pattern[str]) -> tuple[int, ...]:
        assert self.proc.stdout is not None
        said: list[str] = []
        for line in self.proc.stdout:
            if found := pattern.search(line):
                # keep draining, so a chatty server never blocks on a full pipe
                threading.Thread(target=self.proc.stdout.read, daemon=True).start()
                return tuple(int(g) for g in found.groups())
            said = [*said[-20:], line]
        raise SystemExit(
            f"server exited with {self.proc.wait()} before it was ready:\n{''.join(said)}"
        )

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (user + system; Linux /proc)."""
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return float("nan")
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def armada(cwd: Path, config: dict[str, Any]) -> Process:
    """The reference server with `config` (written as YAML into `cwd`)."""
    path = cwd / "armada.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return Process([sys.executable, "-m", "armada_adapters", "--config", str(path)], READY, cwd)


def noop(cwd: Path) -> Process:
    """A grpclib server whose SubmitJobs decodes the same messages and does nothing."""
    return Process([sys.executable, str(REPO / "bench" / "noop_server.py")], NOOP_READY, cwd)
