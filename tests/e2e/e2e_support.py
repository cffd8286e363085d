"""Run the real `armada-server` in a subprocess and talk to it over 127.0.0.1.

The server binds port 0 (through `ARMADA_GRPCPORT`/`ARMADA_HTTPPORT`, as Armada's
environment overrides work) and reports the ports it got in its ready line, so
there is no free-port race. Every wait is bounded.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
READY = re.compile(r"armada-server ready: gRPC on ([^ ]+):(\d+), REST on ([^ ]+):(\d+)")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0


class ServerProcess:
    """One `python -m armada_adapters` process and its stderr."""

    def __init__(self, cwd: Path, config: dict[str, Any] | None, env: dict[str, str]) -> None:
        self.cwd = cwd
        args = [sys.executable, "-m", "armada_adapters"]
        if config is not None:
            path = cwd / "armada.yaml"
            path.write_text(yaml.safe_dump(config), encoding="utf-8")
            args += ["--config", str(path)]
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.log: list[str] = []
        self.proc = subprocess.Popen(
            args,
            cwd=cwd,
            env=server_env(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.grpc_port = 0
        self.http_port = 0

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.log.append(line.rstrip("\n"))
            self.lines.put(line)
        self.lines.put(None)

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def wait_ready(self) -> ServerProcess:
        """Block until the ready line (or fail with the log if the process died)."""
        match = self.wait_for(READY, START_TIMEOUT)
        if match is None:
            self.kill()
            raise AssertionError("server did not start:\n" + "\n".join(self.log))
        self.grpc_port, self.http_port = int(match.group(2)), int(match.group(4))
        return self

    def wait_for(self, pattern: re.Pattern[str], timeout: float) -> re.Match[str] | None:
        """The first new stderr line matching `pattern`, or None at exit or timeout."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return None
            if line is None:
                return None
            if found := pattern.search(line):
                return found
        return None

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send `sig` and wait for the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.wait_exit()

    def wait_exit(self, timeout: float = STOP_TIMEOUT) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("server did not exit:\n" + "\n".join(self.log)) from None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)

    def stderr_text(self) -> str:
        """All of stderr (after the process ended)."""
        self.wait_exit()
        self._reader.join(timeout=STOP_TIMEOUT)  # it ends at EOF of stderr
        return "\n".join(self.log)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The reference server on a SQLite file, authentication off (open to everyone)."""
    yield from sqlite_server(tmp_path_factory)


def sqlite_server(tmp_path_factory: Any) -> Iterator[ServerProcess]:
    """A fixture body: the reference server on a SQLite file, authentication off."""
    cwd: Path = tmp_path_factory.mktemp("server")
    config = {"storage": {"backend": "sqlite", "sqlite": {"path": str(cwd / "armada.db")}}}
    process = ServerProcess(cwd, config, {}).wait_ready()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def channel(server: ServerProcess) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(server.grpc_target) as channel:
        yield channel


def server_env(extra: dict[str, str]) -> dict[str, str]:
    """The test's environment plus the repository on the path, port-0 listeners, no metrics."""
    env = {k: v for k, v in os.environ.items() if k != "ARMADA_CONFIG"}
    paths = [str(REPO), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env.update({"ARMADA_GRPCPORT": "0", "ARMADA_HTTPPORT": "0", "ARMADA_BINDADDRESS": "127.0.0.1"})
    env["ARMADA_METRICSPORT"] = "0"  # off: parallel servers would all want 9000
    env.update(extra)
    return env


def run_to_exit(
    cwd: Path, args: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the server command to completion (for start-up failures)."""
    return subprocess.run(
        [sys.executable, "-m", "armada_adapters", *args],
        cwd=cwd,
        env=server_env(env or {}),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT,
        check=False,
    )
