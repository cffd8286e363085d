"""Fixtures of the executor tests: asyncio (grpclib and subprocesses need it)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def work_dir() -> Iterator[Path]:
    """A work directory the job's account can reach (pytest's own tmp tree is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="armada-executor-test-"))
    path.chmod(0o711)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
