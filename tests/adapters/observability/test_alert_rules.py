"""The README's alerting rules: valid for Prometheus (`promtool check rules`), firing on
the series our `/metrics` writes (`promtool test rules`), and the README's copy is the file."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
RULES = REPO / "examples" / "prometheus-alerts.yaml"
HERE = Path(__file__).resolve().parent

needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool (Debian package prometheus) absent"
)


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["promtool", *args], capture_output=True, text=True, timeout=60, cwd=HERE, check=False
    )


@needs_promtool
def test_promtool_accepts_the_rules() -> None:
    checked = _promtool("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 6 rules found" in checked.stdout


@needs_promtool
def test_the_alerts_fire_on_our_series_and_not_on_clients_mistakes() -> None:
    tested = _promtool("test", "rules", "alert_rules_test.yaml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_readme_shows_the_file() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = [
        yaml.safe_load(block)
        for block in re.findall(r"```yaml\n(groups:.*?)```", readme, re.S)
        if "alert:" in block
    ]
    assert blocks == [yaml.safe_load(RULES.read_text(encoding="utf-8"))]
