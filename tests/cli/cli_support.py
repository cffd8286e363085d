"""Run armadactl in-process (its `run` entry, so the error handler is exercised too)."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from e2e_support import ServerProcess

from armada_cli.config import Connection
from armada_cli.fetch import request
from armada_cli.main import run
from armada_cli.output import go_json
from armada_cli.rpc import Api

REPO = Path(__file__).resolve().parents[2]
STAMP = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \| ", re.MULTILINE)


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.splitlines()


@dataclass
class Armadactl:
    config: Path
    capsys: pytest.CaptureFixture[str]

    @classmethod
    def with_contexts(
        cls, where: Path, target: str, capsys: pytest.CaptureFixture[str]
    ) -> Armadactl:
        config = where / "armadactl.yaml"
        contexts = {
            "main": {"armadaUrl": target, "forceNoTls": True},
            "test": {"armadaUrl": "test.invalid:443"},
        }
        config.write_text(yaml.safe_dump({"currentContext": "main", "contexts": contexts}))
        return cls(config, capsys)

    def __call__(self, *args: str) -> Result:
        self.capsys.readouterr()
        code = run(["--config", str(self.config), *args])
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)


def unstamped(text: str) -> str:
    """Watch output without its timestamps (`Aug 21 13:13:07 | ` → `<t> | `)."""
    return STAMP.sub("<t> | ", text)


def subprocess_armadactl(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """`python -m armada_cli ...` in a fresh process (as a user runs it)."""
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "armada_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def job_details(server: ServerProcess, job_id: str) -> dict[str, Any]:
    async def fetch(api: Api) -> Any:
        message = request("api.JobDetailsRequest", {"jobIds": [job_id], "expandJobSpec": True})
        return await api.unary("/api.Jobs/GetJobDetails", message)

    async def main() -> Any:
        async with Api(Connection(server.grpc_target, force_no_tls=True)) as api:
            return await fetch(api)

    reply = go_json(asyncio.run(main()))
    details: dict[str, Any] = reply["jobDetails"][job_id]
    return details


def submitted_id(out: str) -> str:
    line = out.strip().splitlines()[-1]
    assert line.startswith("Submitted job with id ") and line.endswith(" to job set set1")
    return line.split()[4]
