"""Every benchmark script imports: they share helpers (`bench_api`, `servers`), and a
change to one must not leave another unable to start (they run only by hand or nox)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SCRIPTS = sorted(p.stem for p in BENCH.glob("*.py"))


@pytest.mark.parametrize("module", SCRIPTS)
def test_benchmark_script_imports(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
