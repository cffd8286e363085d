"""Fixtures of the CLI tests: one real server (SQLite file) per module, and a way to run
armadactl in-process against it with a config file of contexts."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cli_support import Armadactl
from e2e_support import ServerProcess, sqlite_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The reference server on a SQLite file, authentication off (caller is `anonymous`)."""
    yield from sqlite_server(tmp_path_factory)


@pytest.fixture
def armadactl(
    server: ServerProcess,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Armadactl:
    """armadactl with `--config` naming a context `main` that points at the server."""
    monkeypatch.setenv("HOME", str(tmp_path))
    return Armadactl.with_contexts(tmp_path, server.grpc_target, capsys)
